"""An episode's flight inventory: schedules, fares and seat maps, generated from its seed.

:func:`generate_inventory` draws, for the routes a task needs (plus decoys), every
day's non-stop and one-stop itineraries across the airlines, their fare families
(Light, Classic, Flex, and Business on some flights) with rules and seats left (some
sold out), and per flight the seed of its seat map (:func:`seat_map`, drawn when a page
needs it: a day's flights hold tens of thousands of seats). :meth:`Inventory.write` puts
it in a fresh SQLite database, the one the site serves and the verifier reads.

Times are local to each airport (``2026-03-14T07:35``) as the site shows them; every
row also carries UTC minutes since the first day, so durations and connections are
computed without time-zone arithmetic.
"""

from __future__ import annotations

import sqlite3
from dataclasses import astuple, dataclass, field, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random

from skillgym.envs.flight.airports import (
    AIRLINES,
    AIRPORTS,
    AIRPORTS_BY_CODE,
    Airline,
    block_minutes,
    distance_km,
)

SCHEMA = """
CREATE TABLE airports (code TEXT PRIMARY KEY, city TEXT NOT NULL, name TEXT NOT NULL,
    country TEXT NOT NULL, utc_offset INTEGER NOT NULL);
CREATE TABLE airlines (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE segments (id INTEGER PRIMARY KEY, airline TEXT NOT NULL REFERENCES airlines,
    flight_number TEXT NOT NULL, origin TEXT NOT NULL REFERENCES airports,
    destination TEXT NOT NULL REFERENCES airports, departs TEXT NOT NULL, arrives TEXT NOT NULL,
    departs_utc INTEGER NOT NULL, arrives_utc INTEGER NOT NULL, aircraft TEXT NOT NULL,
    seat_seed INTEGER NOT NULL);
CREATE TABLE itineraries (id INTEGER PRIMARY KEY, origin TEXT NOT NULL, destination TEXT NOT NULL,
    day TEXT NOT NULL, departs TEXT NOT NULL, arrives TEXT NOT NULL, minutes INTEGER NOT NULL,
    stops INTEGER NOT NULL, airline TEXT NOT NULL REFERENCES airlines);
CREATE TABLE itinerary_segments (itinerary_id INTEGER NOT NULL REFERENCES itineraries,
    position INTEGER NOT NULL, segment_id INTEGER NOT NULL REFERENCES segments,
    PRIMARY KEY (itinerary_id, position));
CREATE TABLE fares (id INTEGER PRIMARY KEY, itinerary_id INTEGER NOT NULL REFERENCES itineraries,
    cabin TEXT NOT NULL, family TEXT NOT NULL, adult_cents INTEGER NOT NULL,
    child_cents INTEGER NOT NULL, infant_cents INTEGER NOT NULL, seats_left INTEGER NOT NULL,
    bags_included INTEGER NOT NULL, change_fee_cents INTEGER, refundable INTEGER NOT NULL);
"""

AIRCRAFT = {"A320": (30, "ABC DEF"), "E190": (24, "AB CD"), "B737": (32, "ABC DEF")}
BUSINESS_ROWS = 3
FAMILIES = (
    # family, price factor, bags, change fee (None: no changes), refundable
    ("Light", 1.00, 0, None, False),
    ("Classic", 1.35, 1, 6_000, False),
    ("Flex", 1.90, 1, 0, True),
)
BUSINESS = ("Business", 3.20, 2, 0, True)
CHILD_SHARE, INFANT_SHARE = 0.75, 0.10


@dataclass(frozen=True)
class Segment:
    """One flight: a numbered leg from one airport to another."""

    id: int
    airline: str
    flight_number: str
    origin: str
    destination: str
    departs: str
    arrives: str
    departs_utc: int
    arrives_utc: int
    aircraft: str
    seat_seed: int


@dataclass(frozen=True)
class Itinerary:
    """What a search result shows: one or two segments from origin to destination."""

    id: int
    origin: str
    destination: str
    day: str
    departs: str
    arrives: str
    minutes: int
    stops: int
    airline: str


@dataclass(frozen=True)
class Fare:
    """One fare family offered on an itinerary, per passenger type, with its rules."""

    id: int
    itinerary_id: int
    cabin: str
    family: str
    adult_cents: int
    child_cents: int
    infant_cents: int
    seats_left: int
    bags_included: int
    change_fee_cents: int | None
    refundable: bool


@dataclass(frozen=True)
class Seat:
    """One seat of one flight: where it is, whether it is taken, what it costs."""

    seat: str
    row: int
    letter: str
    position: str
    cabin: str
    taken: bool
    price_cents: int


@dataclass
class Inventory:
    """Everything one episode's site sells."""

    first_day: date
    segments: list[Segment] = field(default_factory=list)
    itineraries: list[Itinerary] = field(default_factory=list)
    legs: list[tuple[int, int, int]] = field(default_factory=list)
    """(itinerary id, position, segment id)."""
    fares: list[Fare] = field(default_factory=list)

    def write(self, path: Path) -> None:
        """Create the SQLite database at ``path`` with the schema and every row."""
        with sqlite3.connect(path) as db:
            # One episode's scratch database: durability across power loss buys nothing.
            db.execute("PRAGMA journal_mode = MEMORY")
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(SCHEMA)
            db.executemany(
                "INSERT INTO airports VALUES (?, ?, ?, ?, ?)",
                [(a.code, a.city, a.name, a.country, a.utc_offset) for a in AIRPORTS],
            )
            db.executemany(
                "INSERT INTO airlines VALUES (?, ?)", [(a.code, a.name) for a in AIRLINES]
            )
            for table, rows in (
                ("segments", self.segments),
                ("itineraries", self.itineraries),
                ("fares", self.fares),
            ):
                if rows:
                    marks = ", ".join("?" * len(fields(rows[0])))
                    db.executemany(
                        f"INSERT INTO {table} VALUES ({marks})", [astuple(r) for r in rows]
                    )
            db.executemany("INSERT INTO itinerary_segments VALUES (?, ?, ?)", self.legs)
        db.close()


def local_time(first_day: date, utc_minutes: int, airport: str) -> str:
    """``utc_minutes`` after midnight UTC of ``first_day`` as local time at ``airport``."""
    moment = datetime.combine(first_day, datetime.min.time()) + timedelta(
        minutes=utc_minutes + AIRPORTS_BY_CODE[airport].utc_offset
    )
    return moment.strftime("%Y-%m-%dT%H:%M")


class _Builder:
    """Adds segments, itineraries, fares and seats with sequential ids."""

    def __init__(self, rng: Random, first_day: date) -> None:
        self.rng = rng
        self.inventory = Inventory(first_day)
        self.numbers: set[str] = set()

    def segment(self, airline: Airline, origin: str, destination: str, departs_utc: int) -> Segment:
        minutes = block_minutes(AIRPORTS_BY_CODE[origin], AIRPORTS_BY_CODE[destination])
        number = f"{airline.code}{self.rng.randint(100, 9899)}"
        while number in self.numbers:
            number = f"{airline.code}{self.rng.randint(100, 9899)}"
        self.numbers.add(number)
        first_day = self.inventory.first_day
        segment = Segment(
            id=len(self.inventory.segments) + 1,
            airline=airline.code,
            flight_number=number,
            origin=origin,
            destination=destination,
            departs=local_time(first_day, departs_utc, origin),
            arrives=local_time(first_day, departs_utc + minutes, destination),
            departs_utc=departs_utc,
            arrives_utc=departs_utc + minutes,
            aircraft=self.rng.choice(sorted(AIRCRAFT)),
            seat_seed=self.rng.getrandbits(32),
        )
        self.inventory.segments.append(segment)
        return segment

    def itinerary(self, day: date, airline: Airline, segments: list[Segment]) -> None:
        first, last = segments[0], segments[-1]
        itinerary = Itinerary(
            id=len(self.inventory.itineraries) + 1,
            origin=first.origin,
            destination=last.destination,
            day=day.isoformat(),
            departs=first.departs,
            arrives=last.arrives,
            minutes=last.arrives_utc - first.departs_utc,
            stops=len(segments) - 1,
            airline=airline.code,
        )
        self.inventory.itineraries.append(itinerary)
        for position, segment in enumerate(segments):
            self.inventory.legs.append((itinerary.id, position, segment.id))
        self._fares(itinerary, airline, segments)

    def _fares(self, itinerary: Itinerary, airline: Airline, segments: list[Segment]) -> None:
        km = sum(
            distance_km(AIRPORTS_BY_CODE[s.origin], AIRPORTS_BY_CODE[s.destination])
            for s in segments
        )
        hour = int(itinerary.departs[11:13])
        time_factor = 0.85 if hour < 8 else 1.15 if 16 <= hour < 20 else 1.0
        stop_factor = 0.82 if itinerary.stops else 1.0
        base = (35 + 0.11 * km) * airline.price_factor * time_factor * stop_factor
        base *= self.rng.uniform(0.85, 1.18)
        offered = list(FAMILIES) + ([BUSINESS] if self.rng.random() < 0.45 else [])
        for family, factor, bags, change_fee, refundable in offered:
            adult = int(base * factor) * 100 + 99  # prices end in .99
            seats_left = 0 if self.rng.random() < 0.12 else self.rng.randint(1, 9)
            self.inventory.fares.append(
                Fare(
                    id=len(self.inventory.fares) + 1,
                    itinerary_id=itinerary.id,
                    cabin="business" if family == "Business" else "economy",
                    family=family,
                    adult_cents=adult,
                    child_cents=int(adult * CHILD_SHARE),
                    infant_cents=int(adult * INFANT_SHARE),
                    seats_left=seats_left,
                    bags_included=bags,
                    change_fee_cents=change_fee,
                    refundable=refundable,
                )
            )


def seat_map(aircraft: str, seat_seed: int) -> list[Seat]:
    """A flight's seats, the same for the same aircraft and seed; ~45% taken at the start.

    Example:
        >>> seats = seat_map("E190", 7)
        >>> len(seats), seats[0].seat, seats[0].position, seats[1].position
        (96, '1A', 'window', 'aisle')
    """
    rng = Random(seat_seed)
    rows, layout = AIRCRAFT[aircraft]
    letters = layout.replace(" ", "")
    blocks = layout.split(" ")
    seats = []
    for row in range(1, rows + 1):
        cabin = "business" if row <= BUSINESS_ROWS else "economy"
        for letter in letters:
            block = next(b for b in blocks if letter in b)
            if letter in (letters[0], letters[-1]):
                position = "window"
            elif letter in (block[0], block[-1]):
                position = "aisle"
            else:
                position = "middle"
            price = 0 if cabin == "business" else 2_500 if row in (12, 13) else 900
            seats.append(
                Seat(f"{row}{letter}", row, letter, position, cabin, rng.random() < 0.45, price)
            )
    return seats


def generate_inventory(
    rng: Random, routes: list[tuple[str, str]], first_day: date, days: int = 7
) -> Inventory:
    """Every day's itineraries on ``routes`` for ``days`` days from ``first_day``.

    Each route gets non-stop flights from two to four airlines (one to three a day each)
    and one-stop itineraries through the airlines' hubs, with connections of 50 to 180
    minutes.

    Example:
        >>> inventory = generate_inventory(Random(1), [("LHR", "CDG")], date(2026, 3, 2), days=2)
        >>> {i.origin + i.destination for i in inventory.itineraries}
        {'LHRCDG'}
    """
    builder = _Builder(rng, first_day)
    for origin, destination in routes:
        carriers = rng.sample(AIRLINES, rng.randint(2, 4))
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            midnight = offset * 24 * 60 - AIRPORTS_BY_CODE[origin].utc_offset
            for airline in carriers:
                for _ in range(rng.randint(1, 3)):
                    departs = midnight + rng.randrange(6 * 60, 22 * 60, 5)
                    builder.itinerary(
                        day, airline, [builder.segment(airline, origin, destination, departs)]
                    )
                hubs = [h for h in airline.hubs if h not in (origin, destination)]
                if hubs and rng.random() < 0.8:
                    hub = rng.choice(hubs)
                    departs = midnight + rng.randrange(6 * 60, 19 * 60, 5)
                    first = builder.segment(airline, origin, hub, departs)
                    layover = rng.randrange(50, 185, 5)
                    second = builder.segment(airline, hub, destination, first.arrives_utc + layover)
                    builder.itinerary(day, airline, [first, second])
    return builder.inventory
