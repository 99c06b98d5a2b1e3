"""The oracle: a scripted policy that books through the same tools an agent has.

A task's generator writes a plan (:class:`BookPlan`, :class:`ManagePlan` or
:class:`AnswerPlan`) from what it knows of the episode; :func:`plan_steps` turns the
plan into steps, each an action and the id that must be on the page before it is
taken. :class:`ScriptedPolicy` plays the steps, waiting for the page (results arrive
late) and pressing "Show more flights" when the flight it wants is not listed yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from skillgym.envs.flight.store import Passenger

TEST_CARD = ("4242 4242 4242 4242", "12/30", "737")


@dataclass(frozen=True)
class Step:
    """One action, taken once ``needs`` (an element id) is on the page."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    needs: str | None = None


@dataclass
class BookPlan:
    """Search, choose, fill in and pay for one trip."""

    origin: str
    destination: str
    depart: date
    picks: list[tuple[int, int]]
    """(itinerary id, fare id) per direction."""
    passengers: list[Passenger]
    email: str
    return_day: date | None = None
    seats: dict[tuple[int, int], str] = field(default_factory=dict)
    """(passenger index, segment id) -> seat."""
    bags: dict[int, int] = field(default_factory=dict)
    """passenger index -> extra bags."""
    cabin: str = "economy"
    insurance: bool = False
    """Tick the insurance upsell (no task asks for it; a cheat does)."""


@dataclass
class ManagePlan:
    """Open a booking and change one flight (to ``new_itinerary`` on ``day``) or cancel it."""

    ref: str
    last_name: str
    action: str
    """"change" or "cancel"."""
    direction: str = "out"
    day: date | None = None
    booked_day: date | None = None
    new_itinerary: int = 0


@dataclass
class AnswerPlan:
    """Look, book nothing, and answer."""

    answer: str
    origin: str = ""
    destination: str = ""
    depart: date | None = None


def _click(element: str, needs: str | None = None) -> Step:
    return Step("click", {"id": element}, needs or element)


def _fill(element: str, text: str) -> Step:
    return Step("fill", {"id": element, "text": text}, element)


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def pick_date(field_id: str, opens_at: date, day: date) -> list[Step]:
    """Open a date picker (showing ``opens_at``'s month), move to ``day``'s month, click it."""
    steps = [_click(field_id)]
    step = "next" if day >= opens_at else "prev"
    steps += [_click(f"{field_id}-{step}") for _ in range(abs(_months(opens_at, day)))]
    return [*steps, _click(f"{field_id}-{day.isoformat()}")]


def search_steps(plan: BookPlan | AnswerPlan, today: date) -> list[Step]:
    """The home page's form, from the cookie banner to the search button."""
    assert plan.depart is not None
    steps = [_click("cookie-accept")]
    return_day = getattr(plan, "return_day", None)
    steps.append(_click("trip-return" if return_day else "trip-oneway"))
    for field_id, code in (("from", plan.origin), ("to", plan.destination)):
        steps += [_fill(field_id, code), _click(f"{field_id}-opt-{code}")]
    steps += pick_date("depart", today, plan.depart)
    if return_day:
        steps += pick_date("return", today, return_day)
    if isinstance(plan, BookPlan):
        types = [p.type for p in plan.passengers]
        for kind, element in (("adult", "adults"), ("child", "children"), ("infant", "infants")):
            if types.count(kind) != (1 if kind == "adult" else 0):
                steps.append(
                    Step("select", {"id": element, "option": str(types.count(kind))}, element)
                )
        if plan.cabin != "economy":
            steps.append(Step("select", {"id": "cabin", "option": plan.cabin}, "cabin"))
    return [*steps, _click("search")]


def book_steps(plan: BookPlan, today: date, segments: dict[int, list[int]]) -> list[Step]:
    """Every step of a booking; ``segments`` maps an itinerary to its flights' ids."""
    steps = search_steps(plan, today)
    for itinerary_id, fare_id in plan.picks:
        steps += [_click(f"it-{itinerary_id}"), _click(f"fare-{fare_id}")]
    for i, p in enumerate(plan.passengers):
        steps += [
            _fill(f"p{i}-first", p.first_name),
            _fill(f"p{i}-last", p.last_name),
            _fill(f"p{i}-dob", p.dob),
        ]
    steps += [_fill("email", plan.email), _click("passengers-continue")]
    flights = [s for it, _ in plan.picks for s in segments[it]]
    for position, segment_id in enumerate(flights):
        chosen = {p: seat for (p, s), seat in plan.seats.items() if s == segment_id}
        if chosen and position > 0:
            steps.append(_click(f"flight-{segment_id}"))
        for passenger, seat in sorted(chosen.items()):
            steps += [
                Step("check", {"id": f"seat-for-{passenger}"}, f"seat-for-{passenger}"),
                _click(f"seat-{seat}"),
            ]
    steps.append(_click("seats-continue"))
    for passenger, n in sorted(plan.bags.items()):
        steps.append(
            Step("select", {"id": f"bags-{passenger}", "option": str(n)}, f"bags-{passenger}")
        )
    if plan.insurance:
        steps.append(Step("check", {"id": "insurance"}, "insurance"))
    steps.append(_click("extras-continue"))
    number, expiry, cvc = TEST_CARD
    name = plan.passengers[0].name
    steps += [
        _fill("card-name", name),
        _fill("card-number", number),
        _fill("card-expiry", expiry),
        _fill("card-cvc", cvc),
        Step("check", {"id": "terms"}, "terms"),
        _click("pay"),
        Step("submit", {}, "view-booking"),
    ]
    return steps


def manage_steps(plan: ManagePlan, today: date) -> list[Step]:
    """Find the booking, then change its flight or cancel it."""
    steps = [
        _click("cookie-accept"),
        _click("nav-manage"),
        _fill("manage-ref", plan.ref),
        _fill("manage-last", plan.last_name),
        _click("manage-find"),
    ]
    if plan.action == "cancel":
        return [
            *steps,
            _click("cancel-booking"),
            Step("check", {"id": "cancel-confirm"}, "cancel-confirm"),
            _click("cancel-submit"),
            Step("submit", {}, "nav-home"),
        ]
    assert plan.day is not None and plan.booked_day is not None
    steps.append(_click(f"change-{plan.direction}"))
    if plan.day != plan.booked_day:
        steps += pick_date("change-date", plan.booked_day, plan.day)
    return [
        *steps,
        _click("change-search"),
        _click(f"alt-{plan.new_itinerary}"),
        _click("confirm-change"),
        Step("submit", {}, "cancel-booking"),
    ]


class ScriptedPolicy:
    """Play steps in order, waiting for each one's element to appear on the page."""

    def __init__(self, steps: list[Step], patience: int = 40) -> None:
        self.steps = steps
        self.patience = patience
        self.index = 0
        self.waited = 0

    def __call__(self, observation: dict[str, str]) -> str:
        """The next action for this observation."""
        if self.index >= len(self.steps):
            return json.dumps({"tool": "submit", "args": {}})
        step = self.steps[self.index]
        page = observation.get("page", "")
        if step.needs and f"[{step.needs}]" not in page and self.waited < self.patience:
            self.waited += 1
            if "[show-more]" in page and "Searching" not in page:
                return json.dumps({"tool": "click", "args": {"id": "show-more"}})
            return json.dumps({"tool": "wait", "args": {"ms": 250}})
        self.index += 1
        self.waited = 0
        return json.dumps({"tool": step.tool, "args": step.args})
