"""Book two adults on a named non-stop flight in Classic, with an aisle seat for the first of them."""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.airports import AIRLINES_BY_CODE
from skillgym.envs.flight.goals import BookGoal
from skillgym.envs.flight.inventory import Seat, seat_map
from skillgym.envs.flight.oracle import BookPlan
from skillgym.envs.flight.scenario import (
    Scenario,
    draw_trip,
    email_of,
    person,
    trip_variables,
)


def _free_aisles(aircraft: str, seat_seed: int) -> list[Seat]:
    """The economy aisle seats of a flight that nobody has taken."""
    return [
        s
        for s in seat_map(aircraft, seat_seed)
        if s.position == "aisle" and s.cabin == "economy" and not s.taken
    ]


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a non-stop whose Classic fare seats two and that has a free economy aisle seat.

    The flight is named (number and departure time), so the only acceptable choice is its
    Classic fare; the first traveller needs an aisle seat, the second no seat at all.
    """
    while True:
        today, route, inventory, query, day = draw_trip(rng, max_km=2500)
        candidates = []
        for it in query.itineraries(*route, day):
            fare = query.fare(it, "Classic")
            if it.stops == 0 and fare is not None and fare.seats_left >= 2:
                (segment,) = query.legs[it.id]
                aisles = _free_aisles(segment.aircraft, segment.seat_seed)
                if aisles:
                    candidates.append((it, fare, segment, aisles))
        if candidates:
            break
    it, fare, segment, aisles = rng.choice(candidates)
    seat = rng.choice(aisles)
    while True:
        first, second = person(rng, "adult", day), person(rng, "adult", day)
        if first.first_name != second.first_name:
            break
    travellers = [first, second]
    first_name = first.name
    email = email_of(rng, first)
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            **trip_variables(route, day),
            "airline": AIRLINES_BY_CODE[it.airline].name,
            "flight": segment.flight_number,
            "time": it.departs[11:16],
            "name1": first_name,
            "dob1": first.dob,
            "name2": second.name,
            "dob2": second.dob,
            "email": email,
        },
        goal=BookGoal(
            options={((it.id, fare.id),)},
            passengers=travellers,
            email=email,
            seat_positions={first_name.lower(): "aisle"},
        ),
        plan=BookPlan(
            route[0],
            route[1],
            day,
            [(it.id, fare.id)],
            travellers,
            email,
            seats={(0, segment.id): seat.seat},
        ),
    )
