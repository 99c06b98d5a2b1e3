"""Move an existing Classic booking to the last non-stop flight with Classic seats later that day.

The traveller holds a booking (one adult, Classic fare) on a morning non-stop. The agent
finds it under Manage booking, looks at the same day's flights in the Classic family and
moves it to the latest non-stop that departs after the booked one and still has Classic
seats, paying the change fee and any fare difference. Half the episodes put a trap at the
end of the change page's list (a later one-stop, or a later non-stop whose Classic fare is
sold out), so taking the last line is not enough.
"""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.goals import ChangeGoal
from skillgym.envs.flight.inventory import Fare, Itinerary
from skillgym.envs.flight.oracle import ManagePlan
from skillgym.envs.flight.scenario import (
    PreBooking,
    Query,
    Scenario,
    draw_trip,
    email_of,
    person,
    trip_variables,
)
from skillgym.envs.flight.store import booking_ref


def change_fee(old: Fare, new: Fare, seated: int = 1) -> int:
    """What moving adults from ``old`` to ``new`` costs (``pricing.change_price`` for adults)."""
    assert old.change_fee_cents is not None
    return old.change_fee_cents * seated + max(0, (new.adult_cents - old.adult_cents) * seated)


def _classic(query: Query, itinerary: Itinerary) -> Fare | None:
    """The itinerary's Classic fare when it has a seat left."""
    fare = query.fare(itinerary, "Classic")
    return fare if fare is not None and fare.seats_left >= 1 else None


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a morning Classic booking with at least two later non-stops that have Classic seats.

    The goal accepts the latest of those (every one departing at that minute, when their
    change costs the same); the fee is the Classic change fee plus the fare difference.
    """
    want_trap = rng.random() < 0.5
    while True:
        today, route, inventory, query, day = draw_trip(rng, max_km=2500)
        flights = sorted(query.itineraries(*route, day), key=lambda i: (i.departs, i.id))
        nonstops = [i for i in flights if i.stops == 0]
        morning = [i for i in nonstops if i.departs[11:] < "12:00" and _classic(query, i)]
        if not morning:
            continue
        booked = rng.choice(morning)
        old = _classic(query, booked)
        assert old is not None
        later = [
            (i, fare)
            for i in nonstops
            if i.departs > booked.departs and (fare := _classic(query, i)) is not None
        ]
        if len(later) < 2:
            continue
        last = max(i.departs for i, _ in later)
        targets = [(i, fare) for i, fare in later if i.departs == last]
        fees = {change_fee(old, fare) for _, fare in targets}
        if len(fees) != 1:
            continue
        target_ids = {i.id for i, _ in targets}
        # The change page lists the day's Classic fares (booked flight excluded) by departure.
        listed = [i for i in flights if i.id != booked.id and query.fare(i, "Classic")]
        trap = any(i.departs >= last and i.id not in target_ids for i in listed)
        if trap == want_trap:
            break
    traveller = person(rng, "adult", day)
    email = email_of(rng, traveller)
    ref = booking_ref(rng)
    flight_numbers = "+".join(s.flight_number for s in query.legs[booked.id])
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            "ref": ref,
            "last_name": traveller.last_name,
            "name": traveller.name,
            **trip_variables(route, day),
            "booked_time": booked.departs[11:],
            "booked_flight": flight_numbers,
        },
        goal=ChangeGoal(
            ref=ref,
            direction="out",
            options={(i.id, fare.id) for i, fare in targets},
            fee_cents=fees.pop(),
        ),
        plan=ManagePlan(
            ref,
            traveller.last_name,
            "change",
            "out",
            day=day,
            booked_day=day,
            new_itinerary=targets[0][0].id,
        ),
        prebookings=[
            PreBooking(
                ref=ref,
                passengers=[traveller],
                legs={"out": (booked.id, old.id)},
                total_cents=old.adult_cents,
                email=email,
            )
        ],
    )
