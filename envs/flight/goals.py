"""What a flight task asks for, checked against the site's database after the episode.

Each goal turns the bookings the database holds (and the agent's final answer) into
:class:`~skillgym.envs.core.verification.Check` s, one per property, so a near miss
earns partial credit and success needs every check. Page text is never read. The
acceptable choices were computed by the task's generator from the seeded inventory.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from skillgym.envs.core.verification import Check
from skillgym.envs.flight.inventory import seat_map
from skillgym.envs.flight.pricing import quote
from skillgym.envs.flight.store import Booking, FlightStore, Passenger

Legs = tuple[tuple[int, int], ...]
"""A booking's choice: ((outbound itinerary, fare), [(return itinerary, fare)])."""


def _new_bookings(store: FlightStore) -> list[Booking]:
    return [b for b in store.bookings() if not b.preexisting]


def _nothing_else_booked(store: FlightStore, *, gate: bool) -> Check:
    """For a task on existing bookings: no new one, passing only once the task's own step did."""
    made = len(_new_bookings(store))
    return Check(name="nothing else booked", passed=gate and made == 0, actual=str(made))


def _legs(booking: Booking) -> Legs:
    return tuple(booking.legs[d] for d in ("out", "return") if d in booking.legs)


def _people(passengers: list[Passenger]) -> Counter[tuple[str, str, str, str]]:
    return Counter(
        (p.type, p.first_name.strip().lower(), p.last_name.strip().lower(), p.dob)
        for p in passengers
    )


def _missing(names: list[str], why: str) -> list[Check]:
    return [Check(name=name, passed=False, detail=why) for name in names]


@dataclass
class BookGoal:
    """Book one trip: an acceptable choice of flights and fares, for these travellers, with extras.

    ``options`` holds every acceptable (itinerary, fare) choice; ``itineraries`` the
    acceptable flights whatever the fare (for the separate itinerary check).
    """

    options: set[Legs]
    passengers: list[Passenger]
    email: str
    bags: dict[str, int] = field(default_factory=dict)
    """Extra checked bags by traveller ("First Last"); everyone else: none."""
    seat_positions: dict[str, str] = field(default_factory=dict)
    """A seat position ("aisle", "window") by traveller, on every flight."""

    CHECKS = ("one booking", "flights", "fare", "travellers", "contact", "seats", "bags", "price")

    def checks(self, store: FlightStore, answer: str | None) -> list[Check]:
        """One check per property of the booking.

        With more than one new booking, "one booking" fails and the rest is judged on the
        worst of the confirmed ones: booking several candidates never beats booking one.
        """
        made = _new_bookings(store)
        confirmed = [b for b in made if b.status == "confirmed"]
        if not confirmed:
            return _missing(list(self.CHECKS), "no booking was made")
        count = Check(
            name="one booking",
            passed=len(made) == 1,
            expected="1",
            actual=str(len(made)),
            detail="exactly one new booking, nothing else booked (cancelled ones count)",
        )
        verdicts = [[count, *self._judge(store, booking)] for booking in confirmed]
        return min(verdicts, key=lambda checks: sum(c.passed for c in checks))

    def _judge(self, store: FlightStore, booking: Booking) -> list[Check]:
        legs = _legs(booking)
        itineraries = {tuple(it for it, _ in option) for option in self.options}
        return [
            Check(
                name="flights",
                passed=tuple(it for it, _ in legs) in itineraries,
                actual=f"{booking.ref}: {_describe(store, legs)}",
                detail="the itinerary meets the request",
            ),
            Check(
                name="fare",
                passed=legs in self.options,
                actual=", ".join(_family(store, fare) for _, fare in legs),
                detail="the flights and fare together meet the request",
            ),
            Check(
                name="travellers",
                passed=_people(booking.passengers) == _people(self.passengers),
                expected="; ".join(_person(p) for p in self.passengers),
                actual="; ".join(_person(p) for p in booking.passengers),
            ),
            Check(
                name="contact",
                passed=booking.contact_email.strip().lower() == self.email.lower(),
                expected=self.email,
                actual=booking.contact_email,
            ),
            self._seats(store, booking),
            self._bags(booking),
            self._price(store, booking),
        ]

    def _seats(self, store: FlightStore, booking: Booking) -> Check:
        """Requested positions on every flight; no seat for anyone who did not ask for one."""
        wanted = self.seat_positions
        problems = []
        for index, p in enumerate(booking.passengers):
            position = wanted.get(p.name.lower())
            for segment in _segments(store, booking):
                seat = booking.seats.get((index, int(segment["id"])))
                if position is None:
                    if seat is not None:
                        problems.append(
                            f"{p.first_name} on {segment['flight_number']}: {seat}, not asked for"
                        )
                    continue
                positions = {
                    s.seat: s.position
                    for s in seat_map(str(segment["aircraft"]), int(segment["seat_seed"]))
                }
                if seat is None or positions.get(seat) != position:
                    problems.append(
                        f"{p.first_name} on {segment['flight_number']}: {seat or 'no seat'}"
                    )
        return Check(
            name="seats",
            passed=not problems,
            expected=", ".join(f"{k}: {v}" for k, v in wanted.items()) or "no seats",
            actual="; ".join(problems) or "as requested",
        )

    def _bags(self, booking: Booking) -> Check:
        expected = {p.name.lower(): self.bags.get(p.name.lower(), 0) for p in booking.passengers}
        actual = {p.name.lower(): p.bags for p in booking.passengers}
        return Check(
            name="bags",
            passed=expected == actual,
            expected=str(expected),
            actual=str(actual),
            detail="extra checked bags per traveller",
        )

    def _price(self, store: FlightStore, booking: Booking) -> Check:
        price = quote(
            store,
            types=[p.type for p in booking.passengers],
            legs={d: fare for d, (_, fare) in booking.legs.items()},
            seat_cents=[_seat_price(store, booking, key) for key in booking.seats],
            bags=[p.bags for p in booking.passengers],
            insurance=False,
        )
        return Check(
            name="price",
            passed=booking.total_cents == price.total and not booking.insurance,
            expected=str(price.total),
            actual=str(booking.total_cents),
            detail="paid for the booking and nothing unrequested (no insurance)",
        )


@dataclass
class ChangeGoal:
    """Move one direction of an existing booking to an acceptable flight, paying the change."""

    ref: str
    direction: str
    options: set[tuple[int, int]]
    fee_cents: int

    def checks(self, store: FlightStore, answer: str | None) -> list[Check]:
        """The booking moved, the change paid, nothing else touched."""
        booking = store.booking(self.ref)
        assert booking is not None
        changes = [amount for kind, amount in booking.payments if kind == "change"]
        moved = booking.legs.get(self.direction) in self.options
        return [
            Check(name="flight changed", passed=moved, actual=_describe(store, _legs(booking))),
            Check(
                name="change paid",
                passed=moved and changes == [self.fee_cents],
                expected=str(self.fee_cents),
                actual=str(changes),
            ),
            Check(
                name="still booked",
                passed=moved and booking.status == "confirmed",
                actual=booking.status,
            ),
            _nothing_else_booked(store, gate=moved),
        ]


@dataclass
class CancelGoal:
    """Cancel the refundable one of some bookings and keep the rest."""

    cancel: str
    keep: list[str]
    refund_cents: int

    def checks(self, store: FlightStore, answer: str | None) -> list[Check]:
        """The right booking cancelled with its refund, the others untouched."""
        target = store.booking(self.cancel)
        assert target is not None
        kept = [store.booking(ref) for ref in self.keep]
        refunds = [amount for kind, amount in target.payments if kind == "refund"]
        cancelled = target.status == "cancelled"
        return [
            Check(
                name="cancelled",
                passed=cancelled,
                expected=f"{self.cancel} cancelled",
                actual=target.status,
            ),
            Check(
                name="refunded",
                passed=refunds == [self.refund_cents],
                expected=str(self.refund_cents),
                actual=str(refunds),
            ),
            Check(
                name="others kept",
                passed=cancelled and all(b is not None and b.status == "confirmed" for b in kept),
                actual=", ".join(f"{b.ref}: {b.status}" for b in kept if b is not None),
            ),
            _nothing_else_booked(store, gate=cancelled),
        ]


@dataclass
class DeclineGoal:
    """A request that cannot be met: book nothing and say why, naming a figure from the site."""

    figure: str
    """What the answer must state (a price such as 123.99), as the site shows it."""
    reason: str
    allowed: tuple[str, ...] = ()
    """Other amounts the answer may repeat from the request (the budget, as 150.00)."""

    def checks(self, store: FlightStore, answer: str | None) -> list[Check]:
        """No booking, and an answer that states the figure (and no other price)."""
        if not answer or not answer.strip():
            return _missing(["explained", "nothing booked"], "no answer was submitted")
        amounts = {n.replace(",", "") for n in re.findall(r"\d[\d,]*\.\d\d\b", answer)}
        explained = amounts - set(self.allowed) == {self.figure.replace(",", "")}
        booked = len(_new_bookings(store))
        return [
            Check(
                name="explained",
                passed=explained,
                expected=f"{self.reason} (states {self.figure}, and no other amount)",
                actual=answer[:300],
            ),
            Check(
                name="nothing booked",
                passed=explained and booked == 0,
                actual=str(booked),
                detail="no booking, for the reason the answer gives",
            ),
        ]


def _segments(store: FlightStore, booking: Booking) -> list[sqlite3.Row]:
    return [
        s
        for d in ("out", "return")
        if d in booking.legs
        for s in store.segments_of(booking.legs[d][0])
    ]


def _seat_price(store: FlightStore, booking: Booking, key: tuple[int, int]) -> int:
    row = store.row(
        "SELECT price_cents FROM booking_seats WHERE booking_id = ? AND passenger = ? AND segment_id = ?",
        booking.id,
        *key,
    )
    return int(row["price_cents"]) if row else 0


def _family(store: FlightStore, fare_id: int) -> str:
    row = store.row("SELECT family FROM fares WHERE id = ?", fare_id)
    return str(row["family"]) if row else "?"


def _describe(store: FlightStore, legs: Legs) -> str:
    parts = []
    for itinerary_id, _ in legs:
        flights = "+".join(s["flight_number"] for s in store.segments_of(itinerary_id))
        row = store.row("SELECT departs FROM itineraries WHERE id = ?", itinerary_id)
        parts.append(f"{flights} {row['departs'] if row else '?'}")
    return ", ".join(parts)


def _person(p: Passenger) -> str:
    return f"{p.name} ({p.type}, {p.dob})"
