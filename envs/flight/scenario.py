"""What a flight task's generator returns, and the queries generators ask of an inventory.

A generator (``scenarios/<name>.py``) draws an episode from its seed: the routes and
days, the inventory, the bookings that exist before the episode, the goal the
verifier checks (``goals.py``) and the plan the oracle follows (``oracle.py``), all
computed from the seeded inventory, never from the site's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any, NamedTuple

from skillgym.envs.flight.airports import AIRPORTS, AIRPORTS_BY_CODE, airport_label
from skillgym.envs.flight.inventory import Fare, Inventory, Itinerary, Segment, generate_inventory
from skillgym.envs.flight.store import Passenger

FIRST_NAMES = (
    "Ada",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaja",
    "Luca",
    "Maren",
    "Nils",
    "Olga",
    "Pavel",
    "Rosa",
    "Sven",
    "Tove",
    "Yara",
)
LAST_NAMES = (
    "Andersen",
    "Berg",
    "Costa",
    "Duarte",
    "Eklund",
    "Fischer",
    "Garcia",
    "Horvat",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Varga",
)
EMAIL_DOMAINS = ("example.com", "example.org", "mail.example.net")


@dataclass(frozen=True)
class PreBooking:
    """A booking that exists before the episode starts (to change or cancel)."""

    ref: str
    passengers: list[Passenger]
    legs: dict[str, tuple[int, int]]
    total_cents: int
    email: str


@dataclass
class Scenario:
    """One drawn episode of a flight task."""

    inventory: Inventory
    today: date
    variables: dict[str, Any]
    goal: Any
    """A goal from ``goals.py``: what the verifier checks."""
    plan: Any
    """A plan from ``oracle.py``: what the oracle does."""
    prebookings: list[PreBooking] = field(default_factory=list)


Generator = Callable[[Random, dict[str, Any]], Scenario]


class Query:
    """Questions about an inventory that generators ask (prices are in cents)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.fares: dict[int, list[Fare]] = {}
        for fare in inventory.fares:
            self.fares.setdefault(fare.itinerary_id, []).append(fare)
        self.segments = {s.id: s for s in inventory.segments}
        self.legs: dict[int, list[Segment]] = {}
        for itinerary_id, _, segment_id in sorted(inventory.legs):
            self.legs.setdefault(itinerary_id, []).append(self.segments[segment_id])
        self.by_id = {i.id: i for i in inventory.itineraries}

    def itineraries(self, origin: str, destination: str, day: date) -> list[Itinerary]:
        """Every itinerary of one route on one day."""
        iso = day.isoformat()
        return [
            i
            for i in self.inventory.itineraries
            if (i.origin, i.destination, i.day) == (origin, destination, iso)
        ]

    def open_fares(
        self, itinerary: Itinerary, seated: int = 1, cabin: str = "economy"
    ) -> list[Fare]:
        """The fares of ``cabin`` on ``itinerary`` with seats for ``seated`` passengers."""
        return [
            f
            for f in self.fares.get(itinerary.id, [])
            if f.cabin == cabin and f.seats_left >= seated
        ]

    def fare(self, itinerary: Itinerary, family: str) -> Fare | None:
        """The ``family`` fare of an itinerary, if offered."""
        return next((f for f in self.fares.get(itinerary.id, []) if f.family == family), None)


def cheapest(pairs: list[tuple[int, Any]]) -> list[Any]:
    """The items of (price, item) pairs that share the lowest price."""
    if not pairs:
        return []
    low = min(price for price, _ in pairs)
    return [item for price, item in pairs if price == low]


def pick_route(rng: Random, *, min_km: float = 0, max_km: float = 1e9) -> tuple[str, str]:
    """Two airports in different cities whose distance is within the bounds."""
    from skillgym.envs.flight.airports import distance_km

    while True:
        a, b = rng.sample(AIRPORTS, 2)
        if a.city != b.city and min_km <= distance_km(a, b) <= max_km:
            return a.code, b.code


def decoys(rng: Random, route: tuple[str, str], n: int = 2) -> list[tuple[str, str]]:
    """Other routes the site also sells, so searching the wrong one finds flights too."""
    found: list[tuple[str, str]] = []
    while len(found) < n:
        other = pick_route(rng)
        if other != route and other not in found:
            found.append(other)
    return found


def episode_days(rng: Random) -> tuple[date, date]:
    """(the site's today, the inventory's first day): a few days apart, sometimes across a month."""
    today = date(2026, 4, 20) + timedelta(days=rng.randrange(0, 120))
    return today, today + timedelta(days=rng.randint(2, 9))


def make_inventory(
    rng: Random, routes: list[tuple[str, str]], first_day: date, days: int = 5
) -> tuple[Inventory, Query]:
    """The inventory for ``routes`` and a :class:`Query` over it."""
    inventory = generate_inventory(rng, routes, first_day, days)
    return inventory, Query(inventory)


class Trip(NamedTuple):
    """One drawn trip: the site's today, the route asked about, the inventory, a travel day."""

    today: date
    route: tuple[str, str]
    inventory: Inventory
    query: Query
    day: date


def draw_trip(rng: Random, *, min_km: float = 0, max_km: float = 1e9) -> Trip:
    """A route within the bounds, sold with decoy routes, and a day among the inventory's five."""
    today, first_day = episode_days(rng)
    route = pick_route(rng, min_km=min_km, max_km=max_km)
    inventory, query = make_inventory(rng, [route, *decoys(rng, route)], first_day)
    day = first_day + timedelta(days=rng.randrange(5))
    return Trip(today, route, inventory, query, day)


def person(rng: Random, kind: str, travel_day: date, last_name: str | None = None) -> Passenger:
    """A traveller of ``kind`` with a date of birth that makes them that kind on ``travel_day``."""
    low, high = {"adult": (19, 70), "child": (3, 10), "infant": (0, 1)}[kind]
    years = rng.randint(low, high)
    dob = travel_day - timedelta(days=365 * years + rng.randint(30, 300))
    return Passenger(
        kind, rng.choice(FIRST_NAMES), last_name or rng.choice(LAST_NAMES), dob.isoformat()
    )


def email_of(rng: Random, passenger: Passenger) -> str:
    """A contact address for ``passenger``."""
    return (
        f"{passenger.first_name.lower()}.{passenger.last_name.lower()}@{rng.choice(EMAIL_DOMAINS)}"
    )


def long_date(day: date) -> str:
    """A date as instructions write it: Tuesday 5 May 2026."""
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def city(code: str) -> str:
    """An airport as instructions name it: London Heathrow (LHR)."""
    return airport_label(AIRPORTS_BY_CODE[code])


def trip_variables(route: tuple[str, str], day: date) -> dict[str, str]:
    """The instruction's ``origin``, ``destination`` and ``date`` for a trip on ``route``."""
    return {"origin": city(route[0]), "destination": city(route[1]), "date": long_date(day)}


def one_way_for_one(
    rng: Random,
    inventory: Inventory,
    today: date,
    route: tuple[str, str],
    day: date,
    best: list[tuple[Itinerary, Fare]],
    *,
    bags: int = 0,
    **variables: Any,
) -> Scenario:
    """A one-way booking for one adult drawn here, where any of ``best`` is right.

    The instruction gets the trip and the traveller (``origin``, ``destination``,
    ``date``, ``name``, ``dob``, ``email``) plus ``variables``; the oracle books the first
    of ``best`` with ``bags`` extra checked bags.
    """
    from skillgym.envs.flight.goals import BookGoal
    from skillgym.envs.flight.oracle import BookPlan

    traveller = person(rng, "adult", day)
    name = traveller.name
    email = email_of(rng, traveller)
    it, fare = best[0]
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            **trip_variables(route, day),
            "name": name,
            "dob": traveller.dob,
            "email": email,
            **variables,
        },
        goal=BookGoal(
            options={((i.id, f.id),) for i, f in best},
            passengers=[traveller],
            email=email,
            bags={name.lower(): bags} if bags else {},
        ),
        plan=BookPlan(
            route[0],
            route[1],
            day,
            [(it.id, fare.id)],
            [traveller],
            email,
            bags={0: bags} if bags else {},
        ),
    )
