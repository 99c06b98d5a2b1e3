"""What things cost on the flight site: the quote at checkout, change fees and refunds.

One set of rules, read by the site's pages (what the agent is shown and charged) and
by the tasks (what the right booking costs):

- fares per passenger type and direction (infants pay the infant fare, take no seat);
- seats at the price the seat map shows (free in Business);
- extra checked bags: 35.00 per bag per direction, beyond what the fare includes;
- travel insurance: 19.00 per passenger who takes a seat;
- a change: the old fare's change fee per seated passenger, plus the fare difference
  when the new fare costs more (no money back when it costs less); Light fares
  cannot be changed;
- a cancellation refunds the fares of a refundable booking, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from skillgym.envs.flight.store import Booking, FlightStore

BAG_CENTS = 3_500
INSURANCE_CENTS = 1_900
FARE_COLUMN = {"adult": "adult_cents", "child": "child_cents", "infant": "infant_cents"}


@dataclass
class Quote:
    """A price broken into lines (label, cents)."""

    lines: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The sum of the lines, in cents."""
        return sum(cents for _, cents in self.lines)


def money(cents: int) -> str:
    """Cents as the site shows them.

    Example:
        >>> money(123456)
        '€1,234.56'
    """
    sign = "-" if cents < 0 else ""
    return f"{sign}€{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def fare_total(store: FlightStore, fare_id: int, types: Iterable[str]) -> int:
    """One fare for a party of passengers of ``types``, in cents."""
    fare = store.row("SELECT * FROM fares WHERE id = ?", fare_id)
    if fare is None:
        raise KeyError(f"no fare {fare_id}")
    return sum(int(fare[FARE_COLUMN[t]]) for t in types)


def quote(
    store: FlightStore,
    *,
    types: list[str],
    legs: Mapping[str, int],
    seat_cents: Iterable[int] = (),
    bags: Iterable[int] = (),
    insurance: bool = False,
) -> Quote:
    """The checkout price of fares ``legs`` (direction -> fare id) with the extras."""
    result = Quote()
    for direction, fare_id in legs.items():
        label = "Outbound fare" if direction == "out" else "Return fare"
        result.lines.append((label, fare_total(store, fare_id, types)))
    seats = sum(seat_cents)
    if seats:
        result.lines.append(("Seats", seats))
    extra_bags = sum(bags)
    if extra_bags:
        result.lines.append(
            (
                f"Extra bags ({extra_bags} x {len(legs)} direction(s))",
                extra_bags * len(legs) * BAG_CENTS,
            )
        )
    if insurance:
        seated = sum(t != "infant" for t in types)
        result.lines.append((f"Travel insurance x {seated}", seated * INSURANCE_CENTS))
    return result


def change_price(store: FlightStore, booking: Booking, direction: str, new_fare_id: int) -> Quote:
    """What moving ``direction`` of ``booking`` to ``new_fare_id`` costs.

    Raises:
        ValueError: When the booked fare does not allow changes.
    """
    _, old_fare_id = booking.legs[direction]
    old = store.row("SELECT * FROM fares WHERE id = ?", old_fare_id)
    assert old is not None
    if old["change_fee_cents"] is None:
        raise ValueError(f"{old['family']} fares cannot be changed.")
    types = [p.type for p in booking.passengers]
    seated = sum(t != "infant" for t in types)
    difference = fare_total(store, new_fare_id, types) - fare_total(store, old_fare_id, types)
    result = Quote([(f"Change fee x {seated}", int(old["change_fee_cents"]) * seated)])
    if difference > 0:
        result.lines.append(("Fare difference", difference))
    return result


def refund(store: FlightStore, booking: Booking) -> int:
    """What cancelling ``booking`` gives back: its fares when every fare is refundable."""
    types = [p.type for p in booking.passengers]
    fares = [store.row("SELECT * FROM fares WHERE id = ?", f) for _, f in booking.legs.values()]
    if not all(f is not None and f["refundable"] for f in fares):
        return 0
    return sum(fare_total(store, fare_id, types) for _, fare_id in booking.legs.values())
