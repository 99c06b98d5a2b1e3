"""The flight family's heuristic baseline: book the first thing the site offers.

A rule-based agent that reads the instruction once (route, dates, travellers, email,
booking references) and then only the page in front of it. It fills the search form,
takes the first itinerary the results list (the site sorts by lowest price) in its
first fare that can still be booked, enters the travellers, skips seats and extras and
pays with the test card. In Manage booking it cancels the first booking named, or moves
the flight to the cheapest alternative shown. It ignores the finer constraints (non-stop,
airline, fare family, arrival time, budget, seats, bags), so it books the right trip
only when the cheapest one happens to be it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from skillgym.envs.flight.oracle import TEST_CARD

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = re.compile(rf"\b(\d{{1,2}}) ({MONTHS}) (\d{{4}})\b")
AIRPORT = re.compile(r"\(([A-Z]{3})\)")
TRAVELLER = re.compile(
    r"([A-Z][\w'-]+(?: [A-Z][\w'-]+)+) \((?:(adult|child|infant), )?born (\d{4}-\d{2}-\d{2})"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
BOOKING_REF = re.compile(r"\bbookings?,? ([A-Z0-9]{6})\b")
LAST_NAME = re.compile(r"last name ([\w'-]+)")
ENABLED_BUTTON = re.compile(r'^\s*\[((?:it|fare|alt)-\d+)\] button "([^"]*)"\s*$', re.MULTILINE)
PRICE = re.compile(r"€([\d,]+(?:\.\d+)?)")
MAX_REPEATS = 8
"""The same action this many times in a row means the agent is stuck: it submits."""


@dataclass(frozen=True)
class Traveller:
    """A traveller named in the instruction."""

    name: str
    kind: str
    dob: str

    @property
    def first(self) -> str:
        """The first name (the name's first word)."""
        return self.name.split(" ", 1)[0]

    @property
    def last(self) -> str:
        """The last name (the rest)."""
        return self.name.split(" ", 1)[1]


@dataclass
class Request:
    """What the instruction asks for, as a simple reader picks it out."""

    origin: str = ""
    destination: str = ""
    depart: date | None = None
    return_day: date | None = None
    travellers: list[Traveller] = field(default_factory=list)
    email: str = ""
    ref: str = ""
    last_name: str = ""
    manage: str = ""
    """"cancel", "change" or "" (a new booking)."""


def read_request(instruction: str) -> Request:
    """Pick the route, dates, travellers and booking out of the instruction's words.

    Example:
        >>> r = read_request("Book a one-way flight from Oslo (OSL) to Rome (FCO) on "
        ...     "Sunday 12 July 2026 for Ana Lind (adult, born 1990-01-02), contact email a@b.org.")
        >>> (r.origin, r.destination, r.depart.isoformat(), r.travellers[0].last, r.email)
        ('OSL', 'FCO', '2026-07-12', 'Lind', 'a@b.org')
    """
    text = " ".join(instruction.split())
    airports = AIRPORT.findall(text)
    days = [datetime.strptime(" ".join(d), "%d %B %Y").date() for d in DATE.findall(text)]
    request = Request(
        origin=airports[0] if airports else "",
        destination=airports[1] if len(airports) > 1 else "",
        depart=days[0] if days else None,
        travellers=[Traveller(n, k or "adult", b) for n, k, b in TRAVELLER.findall(text)],
        email=next(iter(EMAIL.findall(text)), ""),
    )
    if "return trip" in text and len(days) > 1:
        request.return_day = days[1]
    if "Manage booking" in text:
        verb = text.split("Manage booking", 1)[1].lstrip(", ").split(" ", 1)[0]
        request.manage = "cancel" if verb == "cancel" else "change"
        request.ref = next(iter(BOOKING_REF.findall(text)), "")
        request.last_name = next(iter(LAST_NAME.findall(text)), "")
    return request


def field_value(page: str, element: str) -> str | None:
    """The ``value="..."`` of element ``[element]`` on the page, or None when it is absent."""
    found = re.search(rf'\[{re.escape(element)}\] [^\n]*?value="([^"]*)"', page)
    return found.group(1) if found else None


def unchecked(page: str, element: str) -> bool:
    """Whether ``[element]`` is on the page and not ticked."""
    return re.search(rf"\[{re.escape(element)}\] [^\n]* unchecked", page) is not None


def enabled(page: str, prefix: str) -> list[tuple[str, str]]:
    """The enabled buttons whose id starts with ``prefix`` (``it``, ``fare``, ``alt``), in order."""
    return [(b, label) for b, label in ENABLED_BUTTON.findall(page) if b.startswith(f"{prefix}-")]


def call(tool: str, **args: str) -> str:
    """One tool call as the action string."""
    return json.dumps({"tool": tool, "args": args})


def click(element: str) -> str:
    """Click ``element``."""
    return call("click", id=element)


def fill(element: str, text: str) -> str:
    """Type ``text`` into ``element``."""
    return call("fill", id=element, text=text)


SUBMIT = call("submit")
WAIT = json.dumps({"tool": "wait", "args": {"ms": 250}})


class FirstOfferPolicy:
    """Book (or manage) the first thing the site offers that fits the route and the date."""

    def __init__(self) -> None:
        self.request: Request | None = None
        self.tried: set[str] = set()
        self.done = False
        self.last_action = ""
        self.repeats = 0

    def __call__(self, observation: dict[str, str]) -> str:
        """The next action for what the page shows."""
        if self.request is None:
            self.request = read_request(observation.get("instruction", ""))
        action = self._decide(observation.get("page", ""), observation.get("url", ""))
        self.repeats = self.repeats + 1 if action == self.last_action else 0
        self.last_action = action
        return SUBMIT if self.repeats >= MAX_REPEATS else action

    def _decide(self, page: str, url: str) -> str:
        assert self.request is not None
        if "[cookie-accept]" in page:
            return click("cookie-accept")
        if self.done or "[view-booking]" in page:
            return SUBMIT
        if self.request.manage:
            return self._manage(page)
        if url.startswith("/results"):
            return self._choose(page)
        for step in (self._search, self._passengers, self._payment):
            action = step(page)
            if action:
                return action
        for button in ("seats-continue", "extras-continue"):
            if f"[{button}]" in page:
                return click(button)
        return WAIT

    # ---- a new booking ------------------------------------------------------------
    def _search(self, page: str) -> str | None:
        request = self.request
        assert request is not None
        if "[search]" not in page:
            return None
        trip = "trip-return" if request.return_day else "trip-oneway"
        if unchecked(page, trip):
            return click(trip)
        for element, code in (("from", request.origin), ("to", request.destination)):
            if code and f"({code})" not in (field_value(page, element) or ""):
                option = f"{element}-opt-{code}"
                return click(option) if f"[{option}]" in page else fill(element, code)
        for element, day in (("depart", request.depart), ("return", request.return_day)):
            if day and field_value(page, element) != day.isoformat():
                return self._pick_date(page, element, day)
        kinds = [t.kind for t in request.travellers] or ["adult"]
        for kind, element in (("adult", "adults"), ("child", "children"), ("infant", "infants")):
            wanted = str(kinds.count(kind))
            if field_value(page, element) not in (None, wanted):
                return call("select", id=element, option=wanted)
        return click("search")

    @staticmethod
    def _pick_date(page: str, element: str, day: date) -> str:
        target = f"{element}-{day.isoformat()}"
        if f"[{target}]" in page:
            return click(target)
        shown = re.search(rf"\[{element}-(\d{{4}}-\d{{2}})-\d{{2}}\]", page)
        if shown is None:
            return click(element)
        return click(
            f"{element}-next" if day.isoformat()[:7] > shown.group(1) else f"{element}-prev"
        )

    def _choose(self, page: str) -> str:
        fares = enabled(page, "fare")
        if fares:
            return click(fares[0][0])
        for itinerary, _ in enabled(page, "it"):
            if itinerary not in self.tried:
                self.tried.add(itinerary)
                return click(itinerary)
        if "[show-more]" in page and "Searching" not in page:
            return click("show-more")
        return WAIT

    def _passengers(self, page: str) -> str | None:
        request = self.request
        assert request is not None
        if "[passengers-continue]" not in page:
            return None
        for i, traveller in enumerate(request.travellers):
            for part, text in (("first", traveller.first), ("last", traveller.last)):
                if field_value(page, f"p{i}-{part}") == "":
                    return fill(f"p{i}-{part}", text)
            if field_value(page, f"p{i}-dob") == "":
                return fill(f"p{i}-dob", traveller.dob)
        if request.email and field_value(page, "email") == "":
            return fill("email", request.email)
        return click("passengers-continue")

    def _payment(self, page: str) -> str | None:
        request = self.request
        assert request is not None
        if "[pay]" not in page:
            return None
        number, expiry, cvc = TEST_CARD
        holder = request.travellers[0].name if request.travellers else "Card Holder"
        for element, text in (
            ("card-name", holder),
            ("card-number", number),
            ("card-expiry", expiry),
            ("card-cvc", cvc),
        ):
            if field_value(page, element) == "":
                return fill(element, text)
        if unchecked(page, "terms"):
            return call("check", id="terms")
        return click("pay")

    # ---- Manage booking -----------------------------------------------------------
    def _manage(self, page: str) -> str:
        request = self.request
        assert request is not None
        if "[manage-find]" in page:
            for element, text in (("manage-ref", request.ref), ("manage-last", request.last_name)):
                if field_value(page, element) == "":
                    return fill(element, text)
            return click("manage-find")
        if request.manage == "cancel":
            return self._cancel(page)
        return self._change(page)

    def _cancel(self, page: str) -> str:
        if unchecked(page, "cancel-confirm"):
            return call("check", id="cancel-confirm")
        if "[cancel-submit]" in page:
            self.done = True
            return click("cancel-submit")
        if "[cancel-booking]" in page:
            return click("cancel-booking")
        return click("nav-manage") if "[nav-manage]" in page else WAIT

    def _change(self, page: str) -> str:
        alternatives = enabled(page, "alt")
        if alternatives:
            return click(min(alternatives, key=lambda alt: price(alt[1]))[0])
        if "[confirm-change]" in page:
            self.done = True
            return click("confirm-change")
        for element in ("change-search", "change-out"):
            if f"[{element}]" in page:
                return click(element)
        return click("nav-manage") if "[nav-manage]" in page else WAIT


def price(label: str) -> float:
    """The first euro amount in a button's label (infinity when it shows none)."""
    found = PRICE.search(label)
    return float(found.group(1).replace(",", "")) if found else float("inf")
