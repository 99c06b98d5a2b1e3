"""What a flight task asks for, checked against the site's database after the episode.

Each goal turns the bookings the database holds (and the agent's final answer) into
:class:`~skillgym.envs.core.verification.Check` s, one per property, so a near miss
earns partial credit and success needs every check. Page text is never read. The
acceptable choices were computed by the task's generator from the seeded inventory.

A check's ``expected`` and ``actual`` are always text in the terms the agent met on the
site: euros as the site prints them (``€1,234.56``), flights as its pages describe them
(day, times, airports, flight numbers, fare family), traveller names, seat labels.

Revisions of the verifier (a task version's ``verifier:``):

1. Every check counts alike; a booking's bags, seats and price are judged for the
   travellers it holds.
2. The checks without which the task is not done are essential (a failed one leaves 20%
   of the score, see :data:`~skillgym.envs.core.verification.FAILED_ESSENTIAL_FACTOR`):
   for a booking everything but the contact email (the flights, the fare, every requested
   traveller, the seats and bags asked for and no others, the price, one booking only);
   for a change, a cancellation or a declined request every check. What is asked is
   judged against the task: the price the requested travellers' fares with the requested
   seats and bags come to, the bags and seats of every requested traveller, booked or not.
   So no blunt strategy pays: cancelling both bookings, leaving a traveller out, adding a
   seat or a bag nobody asked for, changing twice, hedging with two bookings.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.flight.inventory import seat_map
from skillgym.envs.flight.pricing import money, quote
from skillgym.envs.flight.site.search import describe_itinerary
from skillgym.envs.flight.store import Booking, FlightStore, Passenger

Legs = tuple[tuple[int, int], ...]
"""A booking's choice: ((outbound itinerary, fare), [(return itinerary, fare)])."""


NO_BOOKING = "no booking"
STRICT = 2
"""The verifier revision from which essential checks cap the score and what is asked is
judged against the task's travellers rather than the booked ones."""


def _marked(checks: list[Check], essential: frozenset[str], verifier: int) -> list[Check]:
    """``checks`` with those named in ``essential`` marked so, from revision ``STRICT`` on."""
    if verifier < STRICT:
        return checks
    return [c.model_copy(update={"essential": c.name in essential}) for c in checks]


def _new_bookings(store: FlightStore) -> list[Booking]:
    return [b for b in store.bookings() if not b.preexisting]


def _made(bookings: list[Booking]) -> str:
    """New bookings as the agent would list them: "no new booking", "2 new bookings: A, B"."""
    if not bookings:
        return "no new booking"
    noun = "new booking" if len(bookings) == 1 else "new bookings"
    return f"{len(bookings)} {noun}: " + ", ".join(b.ref for b in bookings)


def _nothing_else_booked(store: FlightStore, *, gate: bool, after: str) -> Check:
    """For a task on existing bookings: no new one, passing only once the task's own step did.

    ``after`` names that step, so a failure whose expected and actual agree still says why.
    """
    made = _new_bookings(store)
    return Check(
        name="nothing else booked",
        passed=gate and not made,
        expected="no new booking",
        actual=_made(made),
        detail=f"no new booking; passes only once {after}",
    )


def _legs(booking: Booking) -> Legs:
    return tuple(booking.legs[d] for d in ("out", "return") if d in booking.legs)


def _people(passengers: list[Passenger]) -> Counter[tuple[str, str, str, str]]:
    return Counter(
        (p.type, p.first_name.strip().lower(), p.last_name.strip().lower(), p.dob)
        for p in passengers
    )


def _missing(expected: dict[str, str], actual: str, why: str) -> list[Check]:
    """Failed checks for a step never taken: what each wanted, and what there is instead."""
    return [
        Check(name=name, passed=False, expected=wanted, actual=actual, detail=why)
        for name, wanted in expected.items()
    ]


def _one_of(choices: list[str]) -> str:
    """Acceptable choices, readably: the only one, or "one of: a; b"."""
    unique = sorted(set(choices))
    return unique[0] if len(unique) == 1 else "one of: " + "; ".join(unique)


def _trip(store: FlightStore, legs: Legs, *, fares: bool) -> str:
    """A trip as the site's pages describe it, with each fare family when ``fares``."""
    parts = [describe_itinerary(store, it, fare if fares else None) for it, fare in legs]
    if len(parts) == 1:
        return parts[0]
    labels = ("Outbound", "Return")[: len(parts)]
    return " / ".join(f"{label}: {part}" for label, part in zip(labels, parts, strict=True))


def _paid(amounts: list[int], nothing: str) -> str:
    """Payments in euros as the site prints them, or ``nothing`` when there were none."""
    return ", ".join(money(cents) for cents in amounts) or nothing


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class BookGoal:
    """Book one trip: an acceptable choice of flights and fares, for these travellers, with extras.

    ``options`` holds every acceptable (itinerary, fare) choice; the flights check accepts
    their itineraries whatever the fare, the fare check only the pairs themselves.
    """

    options: set[Legs]
    passengers: list[Passenger]
    email: str
    bags: dict[str, int] = field(default_factory=dict)
    """Extra checked bags by traveller ("First Last"); everyone else: none."""
    seat_positions: dict[str, str] = field(default_factory=dict)
    """A seat position ("aisle", "window") by traveller, on every flight."""

    CHECKS = ("one booking", "flights", "fare", "travellers", "contact", "seats", "bags", "price")
    ESSENTIAL = frozenset(CHECKS) - {"contact"}
    """From revision 2: the trip is not booked as asked without any of these."""

    def checks(self, store: FlightStore, answer: str | None, verifier: int = 1) -> list[Check]:
        """One check per property of the booking, judged by revision ``verifier``.

        With more than one new booking, "one booking" fails and the rest is judged on the
        worst of the confirmed ones: booking several candidates never beats booking one.
        """
        made = _new_bookings(store)
        confirmed = [b for b in made if b.status == "confirmed"]
        if not confirmed:
            wanted = self._wanted(store, verifier)
            missing = _missing(
                {n: wanted[n] for n in self.CHECKS}, NO_BOOKING, "no booking was made"
            )
            return _marked(missing, self.ESSENTIAL, verifier)
        count = Check(
            name="one booking",
            passed=len(made) == 1,
            expected="1 new booking",
            actual=_made(made),
            detail="exactly one new booking, nothing else booked (cancelled ones count)",
        )
        verdicts = [
            _marked([count, *self._judge(store, booking, verifier)], self.ESSENTIAL, verifier)
            for booking in confirmed
        ]
        return min(verdicts, key=lambda checks: Verification.from_checks(checks).score)

    def _wanted(self, store: FlightStore, verifier: int) -> dict[str, str]:
        """What each check expects, as far as it is known without a booking."""
        # The right total depends on the seats chosen (paid or free), so without a
        # booking there is no single figure to show.
        if verifier >= STRICT:
            price = (
                "the site's total for the booked fares for the travellers asked for, with the "
                "seats and bags asked for, without insurance"
            )
        else:
            price = "the site's total for the fares, seats and bags booked, without insurance"
        return {
            "one booking": "1 new booking",
            "flights": _one_of([_trip(store, o, fares=False) for o in self.options]),
            "fare": _one_of([_trip(store, o, fares=True) for o in self.options]),
            "travellers": "; ".join(_person(p) for p in self.passengers),
            "contact": self.email,
            "seats": self._seats_wanted(),
            "bags": self._bags_text(self.bags),
            "price": price,
        }

    def _judge(self, store: FlightStore, booking: Booking, verifier: int) -> list[Check]:
        legs = _legs(booking)
        itineraries = {tuple(it for it, _ in option) for option in self.options}
        wanted = self._wanted(store, verifier)
        return [
            Check(
                name="flights",
                passed=tuple(it for it, _ in legs) in itineraries,
                expected=wanted["flights"],
                actual=f"{booking.ref}: {_trip(store, legs, fares=False)}",
                detail="the itinerary meets the request",
            ),
            Check(
                name="fare",
                passed=legs in self.options,
                expected=wanted["fare"],
                actual=f"{booking.ref}: {_trip(store, legs, fares=True)}",
                detail="the flights and fare together meet the request",
            ),
            Check(
                name="travellers",
                passed=_people(booking.passengers) == _people(self.passengers),
                expected=wanted["travellers"],
                actual="; ".join(_person(p) for p in booking.passengers) or "no travellers",
            ),
            Check(
                name="contact",
                passed=booking.contact_email.strip().lower() == self.email.lower(),
                expected=self.email,
                actual=booking.contact_email.strip() or "no email address",
            ),
            self._seats(store, booking, verifier),
            self._bags(booking, verifier),
            self._price(store, booking, verifier),
        ]

    def _name(self, key: str) -> str:
        """A traveller as the instruction names them, from a lower-cased key."""
        names = {p.name.lower(): p.name for p in self.passengers}
        return names.get(key, key.title())

    def _seats_wanted(self) -> str:
        if not self.seat_positions:
            return "no seats (nobody asked for one)"
        wanted = [
            f"{'an' if position[0] in 'aeiou' else 'a'} {position} seat for {self._name(key)}"
            for key, position in self.seat_positions.items()
        ]
        return "; ".join(wanted) + " on every flight"

    def _bags_text(self, bags: dict[str, int]) -> str:
        extra = [f"{_count(n, 'extra bag')} for {self._name(key)}" for key, n in bags.items() if n]
        return "; ".join(extra) or "no extra bags"

    def _seats(self, store: FlightStore, booking: Booking, verifier: int) -> Check:
        """Requested positions on every flight; no seat for anyone who did not ask for one.

        From revision 2 a traveller who asked for a seat and is not on the booking fails it.
        """
        wanted = self.seat_positions
        segments = _segments(store, booking)
        maps = {
            int(s["id"]): {
                m.seat: m.position for m in seat_map(str(s["aircraft"]), int(s["seat_seed"]))
            }
            for s in segments
        }
        problems, found = [], []
        for index, p in enumerate(booking.passengers):
            position = wanted.get(p.name.lower())
            for segment in segments:
                seat = booking.seats.get((index, int(segment["id"])))
                flight = segment["flight_number"]
                positions = maps[int(segment["id"])]
                if seat is not None:
                    found.append(f"{p.name}: {seat} ({positions.get(seat, '?')}) on {flight}")
                elif position is not None:
                    found.append(f"{p.name}: no seat on {flight}")
                if position is None:
                    if seat is not None:
                        problems.append(f"{p.first_name} on {flight}: {seat}, not asked for")
                    continue
                if seat is None or positions.get(seat) != position:
                    problems.append(f"{p.first_name} on {flight}: {seat or 'no seat'}")
        if verifier >= STRICT:
            booked = {p.name.lower() for p in booking.passengers}
            for key in sorted(self.seat_positions.keys() - booked):
                found.append(f"{self._name(key)}: not booked")
                problems.append(f"{self._name(key)} is not on the booking")
        return Check(
            name="seats",
            passed=not problems,
            expected=self._seats_wanted(),
            actual="; ".join(found) or "no seats",
            detail="; ".join(problems)
            or "requested seat positions on every flight, no seat for anyone else",
        )

    def _bags(self, booking: Booking, verifier: int) -> Check:
        """The extra bags per traveller: from revision 2, those asked for, travellers booked or not."""
        actual = {p.name.lower(): p.bags for p in booking.passengers}
        names = {p.name.lower(): p.name for p in booking.passengers}
        if verifier >= STRICT:
            asked = {key: n for key, n in self.bags.items() if n}
            passed = asked == {key: n for key, n in actual.items() if n}
        else:
            expected = {key: self.bags.get(key, 0) for key in actual}
            passed = expected == actual
        return Check(
            name="bags",
            passed=passed,
            expected=self._bags_text(self.bags),
            actual="; ".join(
                f"{_count(n, 'extra bag')} for {names[key]}" for key, n in actual.items() if n
            )
            or "no extra bags",
            detail="extra checked bags per traveller",
        )

    def _price(self, store: FlightStore, booking: Booking, verifier: int) -> Check:
        """What the booked fares cost with the extras, without insurance.

        Revision 1 prices the travellers, seats and bags booked; from revision 2 the price
        is what the task asks for: the requested travellers, the seats of those who asked
        for one, the requested bags.
        """
        legs = {d: fare for d, (_, fare) in booking.legs.items()}
        if verifier >= STRICT:
            asked = self.seat_positions
            price = quote(
                store,
                types=[p.type for p in self.passengers],
                legs=legs,
                seat_cents=[
                    _seat_price(store, booking, key)
                    for key in booking.seats
                    if booking.passengers[key[0]].name.lower() in asked
                ],
                bags=[self.bags.get(p.name.lower(), 0) for p in self.passengers],
            )
            detail = (
                "paid the booked fares for the requested travellers, with the seats and bags "
                "asked for and nothing else (no insurance)"
            )
        else:
            price = quote(
                store,
                types=[p.type for p in booking.passengers],
                legs=legs,
                seat_cents=[_seat_price(store, booking, key) for key in booking.seats],
                bags=[p.bags for p in booking.passengers],
                insurance=False,
            )
            detail = "paid for the booking and nothing unrequested (no insurance)"
        insurance = "with insurance" if booking.insurance else "without insurance"
        return Check(
            name="price",
            passed=booking.total_cents == price.total and not booking.insurance,
            expected=f"{money(price.total)}, without insurance",
            actual=f"{money(booking.total_cents)}, {insurance}",
            detail=detail,
        )


@dataclass
class ChangeGoal:
    """Move one direction of an existing booking to an acceptable flight, paying the change."""

    ref: str
    direction: str
    options: set[tuple[int, int]]
    fee_cents: int

    CHECKS = ("flight changed", "change paid", "still booked", "nothing else booked")
    ESSENTIAL = frozenset(CHECKS)
    """From revision 2: a change paid twice, a cancelled or an extra booking is not the change asked for."""

    def checks(self, store: FlightStore, answer: str | None, verifier: int = 1) -> list[Check]:
        """The booking moved, the change paid, nothing else touched."""
        booking = store.booking(self.ref)
        assert booking is not None
        changes = [amount for kind, amount in booking.payments if kind == "change"]
        leg = booking.legs.get(self.direction)
        moved = leg in self.options
        checks = [
            Check(
                name="flight changed",
                passed=moved,
                expected=_one_of([_trip(store, (o,), fares=True) for o in self.options]),
                actual=f"{booking.ref}: "
                + (_trip(store, (leg,), fares=True) if leg else f"no {self.direction} flight"),
            ),
            Check(
                name="change paid",
                passed=moved and changes == [self.fee_cents],
                expected=money(self.fee_cents),
                actual=_paid(changes, "nothing paid"),
                detail="the change fee and any fare difference, paid once",
            ),
            Check(
                name="still booked",
                passed=moved and booking.status == "confirmed",
                expected="confirmed",
                actual=booking.status,
                detail="the booking stays confirmed; passes only once the flight is changed",
            ),
            _nothing_else_booked(store, gate=moved, after="the flight is changed"),
        ]
        return _marked(checks, self.ESSENTIAL, verifier)


@dataclass
class CancelGoal:
    """Cancel the refundable one of some bookings and keep the rest."""

    cancel: str
    keep: list[str]
    refund_cents: int

    CHECKS = ("cancelled", "refunded", "others kept", "nothing else booked")
    ESSENTIAL = frozenset(CHECKS)
    """From revision 2: cancelling every booking, or the wrong one, is not the cancellation asked for."""

    def checks(self, store: FlightStore, answer: str | None, verifier: int = 1) -> list[Check]:
        """The right booking cancelled with its refund, the others untouched."""
        target = store.booking(self.cancel)
        assert target is not None
        kept = [store.booking(ref) for ref in self.keep]
        refunds = [amount for kind, amount in target.payments if kind == "refund"]
        cancelled = target.status == "cancelled"
        checks = [
            Check(
                name="cancelled",
                passed=cancelled,
                expected=f"{self.cancel} cancelled",
                actual=f"{self.cancel} {target.status}",
            ),
            Check(
                name="refunded",
                passed=refunds == [self.refund_cents],
                expected=money(self.refund_cents),
                actual=_paid(refunds, "no refund"),
            ),
            Check(
                name="others kept",
                passed=cancelled and all(b is not None and b.status == "confirmed" for b in kept),
                expected=", ".join(f"{ref} confirmed" for ref in self.keep) or "no other booking",
                actual=", ".join(
                    f"{ref} {b.status if b is not None else 'missing'}"
                    for ref, b in zip(self.keep, kept, strict=True)
                )
                or "no other booking",
                detail=f"the other bookings stay confirmed; passes only once {self.cancel} is cancelled",
            ),
            _nothing_else_booked(store, gate=cancelled, after=f"{self.cancel} is cancelled"),
        ]
        return _marked(checks, self.ESSENTIAL, verifier)


@dataclass
class DeclineGoal:
    """A request that cannot be met: book nothing and say why, naming a figure from the site."""

    figure: str
    """What the answer must state (a price such as 123.99), as the site shows it."""
    reason: str
    allowed: tuple[str, ...] = ()
    """Other amounts the answer may repeat from the request (the budget, as 150.00)."""

    CHECKS = ("explained", "nothing booked")
    ESSENTIAL = frozenset(CHECKS)
    """From revision 2: booking anyway and stating the figure is not declining."""

    def checks(self, store: FlightStore, answer: str | None, verifier: int = 1) -> list[Check]:
        """No booking, and an answer that states the figure (and no other price)."""
        made = _new_bookings(store)
        booked = _made(made) if made else NO_BOOKING
        text = (answer or "").strip()
        silent = "" if text else "no answer was submitted"
        checks = [
            Check(
                name="explained",
                passed=bool(text) and self._states_figure(text),
                expected=self._wanted(),
                actual=text[:300] or "no answer",
                detail=silent,
            ),
            Check(
                name="nothing booked",
                passed=bool(text) and self._states_figure(text) and not made,
                expected=NO_BOOKING,
                actual=booked if text else f"{booked}, and no answer",
                detail=silent or "no booking, for the reason the answer gives",
            ),
        ]
        return _marked(checks, self.ESSENTIAL, verifier)

    def _states_figure(self, answer: str) -> bool:
        """The answer's amounts, less those it may repeat, are exactly the figure."""
        amounts = {n.replace(",", "") for n in re.findall(r"\d[\d,]*\.\d\d\b", answer)}
        return amounts - set(self.allowed) == {self.figure.replace(",", "")}

    def _wanted(self) -> str:
        text = f"{self.reason}: an answer that states {_euros(self.figure)} and no other amount"
        if self.allowed:
            text += f" (it may repeat {', '.join(_euros(a) for a in self.allowed)})"
        return text


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


def _euros(figure: str) -> str:
    """An amount written as "1234.50" (a generator's figure), as the site prints it."""
    whole, _, cents = figure.replace(",", "").partition(".")
    return money(int(whole) * 100 + int(cents or 0))


def _person(p: Passenger) -> str:
    """A traveller as the passenger form takes them: name, type, date of birth (YYYY-MM-DD)."""
    return f"{p.name} ({p.type}, born {p.dob})"
