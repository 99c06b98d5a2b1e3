"""The site's database: the seeded inventory plus carts, bookings, seats and payments.

One SQLite file per episode. The site reads and writes it through :class:`FlightStore`
(on the browser thread); the verifier opens the same file afterwards and reads the
bookings (:meth:`FlightStore.bookings`), never the pages.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from skillgym.envs.flight.inventory import Inventory, Seat, seat_map

BOOKING_SCHEMA = """
CREATE TABLE carts (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE bookings (id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, status TEXT NOT NULL,
    contact_email TEXT NOT NULL, total_cents INTEGER NOT NULL, insurance INTEGER NOT NULL,
    preexisting INTEGER NOT NULL DEFAULT 0);
CREATE TABLE booking_passengers (booking_id INTEGER NOT NULL REFERENCES bookings,
    position INTEGER NOT NULL, type TEXT NOT NULL, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, dob TEXT NOT NULL, bags INTEGER NOT NULL,
    PRIMARY KEY (booking_id, position));
CREATE TABLE booking_legs (booking_id INTEGER NOT NULL REFERENCES bookings,
    direction TEXT NOT NULL, itinerary_id INTEGER NOT NULL REFERENCES itineraries,
    fare_id INTEGER NOT NULL REFERENCES fares, PRIMARY KEY (booking_id, direction));
CREATE TABLE booking_seats (booking_id INTEGER NOT NULL REFERENCES bookings,
    passenger INTEGER NOT NULL, segment_id INTEGER NOT NULL REFERENCES segments,
    seat TEXT NOT NULL, price_cents INTEGER NOT NULL,
    PRIMARY KEY (booking_id, passenger, segment_id));
CREATE TABLE payments (id INTEGER PRIMARY KEY, booking_id INTEGER NOT NULL REFERENCES bookings,
    kind TEXT NOT NULL, amount_cents INTEGER NOT NULL, card_last4 TEXT NOT NULL);
"""

REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Booking references: uppercase letters and digits without 0, 1, I and O."""


SQLITE_INTEGERS = range(-(2**63), 2**63)


def storable(params: tuple[Any, ...]) -> bool:
    """Whether SQLite can hold every integer among ``params`` (a URL may carry any number).

    Example:
        >>> storable((1, "x")), storable((10**20,))
        (True, False)
    """
    return all(not isinstance(p, int) or p in SQLITE_INTEGERS for p in params)


def booking_ref(rng: Random) -> str:
    """A six-character booking reference.

    Example:
        >>> booking_ref(Random(1))
        'JESH96'
    """
    return "".join(rng.choice(REF_ALPHABET) for _ in range(6))


@dataclass
class Passenger:
    """One traveller on a booking."""

    type: str
    first_name: str
    last_name: str
    dob: str
    bags: int = 0

    @property
    def name(self) -> str:
        """First and last name, as the site and the instructions write them."""
        return f"{self.first_name} {self.last_name}"


@dataclass
class Booking:
    """A booking as the database holds it: what the verifier judges."""

    id: int
    ref: str
    status: str
    contact_email: str
    total_cents: int
    insurance: bool
    preexisting: bool
    passengers: list[Passenger]
    legs: dict[str, tuple[int, int]]
    """direction ("out" or "return") -> (itinerary id, fare id)."""
    seats: dict[tuple[int, int], str]
    """(passenger position, segment id) -> seat."""
    payments: list[tuple[str, int]] = field(default_factory=list)
    """(kind, amount in cents): "booking", "change", "refund"."""


class FlightStore:
    """One episode's database, opened on one thread at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode = MEMORY")
        self.db.execute("PRAGMA synchronous = OFF")

    @classmethod
    def create(cls, path: Path, inventory: Inventory) -> FlightStore:
        """A new database at ``path`` holding ``inventory`` and empty booking tables."""
        inventory.write(path)
        store = cls(path)
        store.db.executescript(BOOKING_SCHEMA)
        return store

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # ---- inventory ----------------------------------------------------------------
    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        """Every row of a query (none when a parameter is an integer SQLite cannot hold)."""
        if not storable(params):
            return []
        return self.db.execute(sql, params).fetchall()

    def row(self, sql: str, *params: Any) -> sqlite3.Row | None:
        """The first row of a query, or None (also for an integer SQLite cannot hold)."""
        if not storable(params):
            return None
        return self.db.execute(sql, params).fetchone()

    def segments_of(self, itinerary_id: int) -> list[sqlite3.Row]:
        """An itinerary's flights in order."""
        return self.rows(
            "SELECT s.* FROM itinerary_segments l JOIN segments s ON s.id = l.segment_id "
            "WHERE l.itinerary_id = ? ORDER BY l.position",
            itinerary_id,
        )

    def seats(self, segment_id: int, *, except_booking: int | None = None) -> list[Seat]:
        """A flight's seat map with the seats of confirmed bookings marked taken."""
        segment = self.row("SELECT aircraft, seat_seed FROM segments WHERE id = ?", segment_id)
        if segment is None:
            return []
        booked = {
            r["seat"]
            for r in self.rows(
                "SELECT s.seat FROM booking_seats s JOIN bookings b ON b.id = s.booking_id "
                "WHERE s.segment_id = ? AND b.status = 'confirmed' AND b.id IS NOT ?",
                segment_id,
                except_booking,
            )
        }
        return [
            Seat(**{**vars(seat), "taken": seat.taken or seat.seat in booked})
            for seat in seat_map(segment["aircraft"], segment["seat_seed"])
        ]

    # ---- carts --------------------------------------------------------------------
    def cart(self, sid: str) -> dict[str, Any]:
        """The session's booking in progress (empty when none)."""
        row = self.row("SELECT data FROM carts WHERE sid = ?", sid)
        return json.loads(row["data"]) if row else {}

    def save_cart(self, sid: str, cart: dict[str, Any]) -> None:
        """Store the session's booking in progress."""
        self.db.execute(
            "INSERT INTO carts VALUES (?, ?) ON CONFLICT(sid) DO UPDATE SET data = excluded.data",
            (sid, json.dumps(cart)),
        )

    # ---- bookings -----------------------------------------------------------------
    def new_ref(self, rng: Random) -> str:
        """A fresh six-character booking reference."""
        while True:
            ref = booking_ref(rng)
            if self.row("SELECT 1 FROM bookings WHERE ref = ?", ref) is None:
                return ref

    def add_booking(
        self,
        ref: str,
        *,
        contact_email: str,
        passengers: list[Passenger],
        legs: dict[str, tuple[int, int]],
        seats: dict[tuple[int, int], tuple[str, int]],
        insurance: bool,
        total_cents: int,
        card_last4: str,
        preexisting: bool = False,
    ) -> int:
        """Record a paid booking in one transaction; return its id."""
        db = self.db
        with self._transaction():
            cursor = db.execute(
                "INSERT INTO bookings (ref, status, contact_email, total_cents, insurance, preexisting) "
                "VALUES (?, 'confirmed', ?, ?, ?, ?)",
                (ref, contact_email, total_cents, int(insurance), int(preexisting)),
            )
            booking_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO booking_passengers VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (booking_id, i, p.type, p.first_name, p.last_name, p.dob, p.bags)
                    for i, p in enumerate(passengers)
                ],
            )
            db.executemany(
                "INSERT INTO booking_legs VALUES (?, ?, ?, ?)",
                [(booking_id, d, it, fare) for d, (it, fare) in legs.items()],
            )
            db.executemany(
                "INSERT INTO booking_seats VALUES (?, ?, ?, ?, ?)",
                [(booking_id, p, s, seat, price) for (p, s), (seat, price) in seats.items()],
            )
            self._pay(booking_id, "booking", total_cents, card_last4)
            for _, fare_id in legs.values():
                self._sell(fare_id, sum(p.type != "infant" for p in passengers))
        return booking_id

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Everything in the block is written, or nothing is."""
        self.db.execute("BEGIN")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _sell(self, fare_id: int, seats: int) -> None:
        """Take ``seats`` of a fare off sale (a negative count puts them back)."""
        self.db.execute(
            "UPDATE fares SET seats_left = seats_left - ? WHERE id = ?", (seats, fare_id)
        )

    def _seated(self, booking_id: int) -> int:
        """How many of a booking's travellers take a seat (infants sit on a lap)."""
        row = self.row(
            "SELECT COUNT(*) AS n FROM booking_passengers WHERE booking_id = ? AND type != 'infant'",
            booking_id,
        )
        return int(row["n"]) if row else 0

    def _pay(self, booking_id: int, kind: str, amount_cents: int, card_last4: str) -> None:
        """Record a payment (``booking``, ``change``) or a ``refund`` of a booking."""
        self.db.execute(
            "INSERT INTO payments (booking_id, kind, amount_cents, card_last4) VALUES (?, ?, ?, ?)",
            (booking_id, kind, amount_cents, card_last4),
        )

    def change_leg(
        self, booking_id: int, direction: str, itinerary_id: int, fare_id: int, paid_cents: int
    ) -> None:
        """Move one direction of a booking to another itinerary, dropping its seats."""
        db = self.db
        with self._transaction():
            old = self.row(
                "SELECT itinerary_id, fare_id FROM booking_legs WHERE booking_id = ? AND direction = ?",
                booking_id,
                direction,
            )
            seated = self._seated(booking_id)
            if old is not None:
                db.execute(
                    "DELETE FROM booking_seats WHERE booking_id = ? AND segment_id IN "
                    "(SELECT segment_id FROM itinerary_segments WHERE itinerary_id = ?)",
                    (booking_id, old["itinerary_id"]),
                )
                self._sell(old["fare_id"], -seated)  # the old fare's seats go back on sale
            self._sell(fare_id, seated)
            db.execute(
                "UPDATE booking_legs SET itinerary_id = ?, fare_id = ? "
                "WHERE booking_id = ? AND direction = ?",
                (itinerary_id, fare_id, booking_id, direction),
            )
            db.execute(
                "UPDATE bookings SET total_cents = total_cents + ? WHERE id = ?",
                (paid_cents, booking_id),
            )
            self._pay(booking_id, "change", paid_cents, "card")

    def cancel(self, booking_id: int, refund_cents: int) -> None:
        """Cancel a booking, recording the refund."""
        db = self.db
        with self._transaction():
            db.execute("UPDATE bookings SET status = 'cancelled' WHERE id = ?", (booking_id,))
            self._pay(booking_id, "refund", refund_cents, "card")
            seated = self._seated(booking_id)
            for leg in self.rows(
                "SELECT fare_id FROM booking_legs WHERE booking_id = ?", booking_id
            ):
                self._sell(leg["fare_id"], -seated)

    def booking(self, ref: str) -> Booking | None:
        """The booking with reference ``ref``."""
        row = self.row("SELECT id FROM bookings WHERE ref = ?", ref)
        return self._booking(int(row["id"])) if row else None

    def bookings(self) -> list[Booking]:
        """Every booking, oldest first."""
        return [
            self._booking(int(r["id"])) for r in self.rows("SELECT id FROM bookings ORDER BY id")
        ]

    def _booking(self, booking_id: int) -> Booking:
        row = self.row("SELECT * FROM bookings WHERE id = ?", booking_id)
        assert row is not None
        return Booking(
            id=booking_id,
            ref=row["ref"],
            status=row["status"],
            contact_email=row["contact_email"],
            total_cents=row["total_cents"],
            insurance=bool(row["insurance"]),
            preexisting=bool(row["preexisting"]),
            passengers=[
                Passenger(r["type"], r["first_name"], r["last_name"], r["dob"], r["bags"])
                for r in self.rows(
                    "SELECT * FROM booking_passengers WHERE booking_id = ? ORDER BY position",
                    booking_id,
                )
            ],
            legs={
                r["direction"]: (r["itinerary_id"], r["fare_id"])
                for r in self.rows("SELECT * FROM booking_legs WHERE booking_id = ?", booking_id)
            },
            seats={
                (r["passenger"], r["segment_id"]): r["seat"]
                for r in self.rows("SELECT * FROM booking_seats WHERE booking_id = ?", booking_id)
            },
            payments=[
                (r["kind"], r["amount_cents"])
                for r in self.rows(
                    "SELECT kind, amount_cents FROM payments WHERE booking_id = ? ORDER BY id",
                    booking_id,
                )
            ],
        )
