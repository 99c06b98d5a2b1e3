"""Blunt strategies for the flight tasks: what ``skillgym validate`` plays against the verifier.

Each is a :class:`~skillgym.envs.flight.oracle.ScriptedPolicy` built from the episode's
scenario (its plan, goal and inventory) and played through the agent's own tools. They
do the task nearly, or more than asked, in ways a policy optimising the reward could
stumble on before the skill: claim success, cancel everything, leave a traveller out,
add a seat, a bag or insurance nobody asked for, book a flight or fare the request rules
out, book two candidates, change twice, book anyway and still give the figure. Each must
score below 0.5 on the tasks' current versions. A wrong choice comes first where there
are two, so an episode cut short at its step limit only lowers the score.
"""

from __future__ import annotations

from dataclasses import replace

from skillgym.envs.core.env import Policy
from skillgym.envs.flight.goals import BookGoal, CancelGoal, ChangeGoal, DeclineGoal
from skillgym.envs.flight.inventory import Fare, Itinerary
from skillgym.envs.flight.oracle import (
    AnswerPlan,
    BookPlan,
    ManagePlan,
    ScriptedPolicy,
    Step,
    book_steps,
    manage_steps,
)
from skillgym.envs.flight.scenario import Query, Scenario
from skillgym.envs.flight.store import FlightStore, Passenger

CLAIM = "Done: booked exactly as asked, reference ABC234; the cheapest price was 1.00."


def cheats_for(scenario: Scenario, store: FlightStore) -> dict[str, Policy]:
    """Every blunt strategy that applies to this episode's task, by name."""
    found: list[tuple[str, list[Step]]] = [("claim-success", [Step("submit", {"answer": CLAIM})])]
    goal, plan = scenario.goal, scenario.plan
    if isinstance(goal, BookGoal) and isinstance(plan, BookPlan):
        found += _booking_cheats(scenario, store, goal, plan)
    elif isinstance(goal, CancelGoal) and isinstance(plan, ManagePlan):
        refs = [*goal.keep, goal.cancel]
        found.append(("cancel-everything", _cancel_all(scenario, plan, refs)))
    elif isinstance(goal, ChangeGoal) and isinstance(plan, ManagePlan):
        found.append(("cancel-everything", _cancel_all(scenario, plan, [goal.ref])))
        found.append(("change-twice", _change_twice(scenario, goal, plan)))
    elif isinstance(goal, DeclineGoal) and isinstance(plan, AnswerPlan):
        found.append(("book-and-answer", _book_and_answer(scenario, store, plan)))
    return {name: ScriptedPolicy(steps) for name, steps in found if steps}


# ---- bookings ------------------------------------------------------------------------
def _book(scenario: Scenario, store: FlightStore, plan: BookPlan) -> list[Step]:
    segments = {it: [int(s["id"]) for s in store.segments_of(it)] for it, _ in plan.picks}
    return book_steps(plan, scenario.today, segments)


def _seated(plan: BookPlan) -> int:
    return sum(p.type != "infant" for p in plan.passengers)


def _booking_cheats(
    scenario: Scenario, store: FlightStore, goal: BookGoal, plan: BookPlan
) -> list[tuple[str, list[Step]]]:
    """Near misses of a booking: each differs from the oracle's in one way, or books twice."""
    found: list[tuple[str, list[Step]]] = []
    variants = {
        "book-without-a-traveller": _without_a_traveller(plan),
        "book-with-an-unasked-seat": _with_an_unasked_seat(store, goal, plan),
        "book-with-an-extra-bag": replace(plan, bags={**plan.bags, 0: plan.bags.get(0, 0) + 1}),
        "book-with-insurance": replace(plan, insurance=True),
        "book-another-flight": _another_flight(scenario, goal, plan),
        "book-another-fare": _another_fare(scenario, goal, plan),
    }
    for name, variant in variants.items():
        if variant is not None:
            found.append((name, _book(scenario, store, variant)))
    other = variants["book-another-flight"]
    if other is not None:
        # the wrong one first: cut short at the step limit, only the wrong one is left
        first = _book(scenario, store, other)[:-1]
        again = _book(scenario, store, plan)[1:]  # the cookie banner is answered already
        found.append(("book-two-candidates", [*first, Step("goto", {"path": "/"}), *again]))
    return found


def _without_a_traveller(plan: BookPlan) -> BookPlan | None:
    """The party less its last traveller (the infant of a family, the second adult)."""
    if len(plan.passengers) < 2:
        return None
    kept = len(plan.passengers) - 1
    return replace(
        plan,
        passengers=plan.passengers[:kept],
        seats={key: seat for key, seat in plan.seats.items() if key[0] < kept},
        bags={index: n for index, n in plan.bags.items() if index < kept},
    )


def _with_an_unasked_seat(store: FlightStore, goal: BookGoal, plan: BookPlan) -> BookPlan | None:
    """A free economy seat (one that costs nothing when there is one) for someone who asked for none."""
    index = next(
        (
            i
            for i, p in enumerate(plan.passengers)
            if p.type != "infant" and p.name.lower() not in goal.seat_positions
        ),
        None,
    )
    if index is None:
        return None
    segment = int(store.segments_of(plan.picks[0][0])[0]["id"])
    chosen = {seat for (_, s), seat in plan.seats.items() if s == segment}
    free = [
        s
        for s in store.seats(segment)
        if not s.taken and s.cabin == "economy" and s.seat not in chosen
    ]
    if not free:
        return None
    seat = min(free, key=lambda s: (s.price_cents, s.row, s.letter))
    return replace(plan, seats={**plan.seats, (index, segment): seat.seat})


def _another_flight(scenario: Scenario, goal: BookGoal, plan: BookPlan) -> BookPlan | None:
    """The day's first outbound flight the request rules out, in its cheapest fare for the party."""
    query = Query(scenario.inventory)
    first = query.by_id[plan.picks[0][0]]
    right = {option[0][0] for option in goal.options}
    candidates: list[tuple[Itinerary, Fare]] = []
    for it in sorted(
        query.itineraries(first.origin, first.destination, plan.depart),
        key=lambda i: (i.departs, i.id),
    ):
        fares = query.open_fares(it, _seated(plan), plan.cabin)
        if it.id not in right and fares:
            candidates.append((it, min(fares, key=lambda f: (f.adult_cents, f.id))))
    if not candidates:
        return None
    it, fare = candidates[0]
    # seats were chosen on the right flight's seat map: none on another flight
    return replace(plan, picks=[(it.id, fare.id), *plan.picks[1:]], seats={})


def _another_fare(scenario: Scenario, goal: BookGoal, plan: BookPlan) -> BookPlan | None:
    """The right outbound flight in a fare family the request rules out."""
    query = Query(scenario.inventory)
    it_id, _ = plan.picks[0]
    rest = tuple(plan.picks[1:])
    fares = [
        f
        for f in query.open_fares(query.by_id[it_id], _seated(plan), plan.cabin)
        if ((it_id, f.id), *rest) not in goal.options
    ]
    if not fares:
        return None
    fare = min(fares, key=lambda f: (f.adult_cents, f.id))
    return replace(plan, picks=[(it_id, fare.id), *rest])


def _book_and_answer(scenario: Scenario, store: FlightStore, plan: AnswerPlan) -> list[Step]:
    """Book the cheapest non-stop that breaks the budget anyway, and give its price as asked."""
    if plan.depart is None:
        return []
    query = Query(scenario.inventory)
    offers = [
        (fare.adult_cents, fare.id, it.id)
        for it in query.itineraries(plan.origin, plan.destination, plan.depart)
        if it.stops == 0
        for fare in query.open_fares(it)
    ]
    if not offers:
        return []
    _, fare_id, it_id = min(offers)
    variables = scenario.variables
    first, last = str(variables["name"]).split(" ", 1)
    traveller = Passenger("adult", first, last, str(variables["dob"]))
    booking = BookPlan(
        plan.origin,
        plan.destination,
        plan.depart,
        [(it_id, fare_id)],
        [traveller],
        str(variables["email"]),
    )
    steps = _book(scenario, store, booking)
    return [*steps[:-1], Step("submit", {"answer": plan.answer}, "view-booking")]


# ---- existing bookings ---------------------------------------------------------------
def _cancel_all(scenario: Scenario, plan: ManagePlan, refs: list[str]) -> list[Step]:
    """Cancel each of ``refs`` in turn under Manage booking, then submit."""
    steps: list[Step] = []
    for ref in refs:
        cancel = manage_steps(replace(plan, ref=ref, action="cancel"), scenario.today)
        steps += cancel[1:-1] if steps else cancel[:-1]
    return [*steps, Step("submit", {}, "nav-home")]


def _change_twice(scenario: Scenario, goal: ChangeGoal, plan: ManagePlan) -> list[Step]:
    """Change to a flight the request rules out, then to the right one: two fees paid."""
    [pre] = [b for b in scenario.prebookings if b.ref == goal.ref]
    booked_it, booked_fare = pre.legs[goal.direction]
    query = Query(scenario.inventory)
    booked = query.by_id[booked_it]
    family = next(f.family for f in query.fares[booked_it] if f.id == booked_fare)
    seated = sum(p.type != "infant" for p in pre.passengers)
    right = {it for it, _ in goal.options}
    assert plan.day is not None
    wrong = [
        it
        for it in sorted(
            query.itineraries(booked.origin, booked.destination, plan.day),
            key=lambda i: (i.departs, i.id),
        )
        if it.id != booked_it
        and it.id not in right
        and (fare := query.fare(it, family)) is not None
        and fare.seats_left >= seated
    ]
    if not wrong:
        return []
    first = manage_steps(replace(plan, new_itinerary=wrong[0].id), scenario.today)[:-1]
    # the booking now holds the wrong flight: change it again, from that flight's day
    second = manage_steps(replace(plan, booked_day=plan.day), scenario.today)[1:]
    return [*first, *second]
