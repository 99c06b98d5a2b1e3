"""Book the earliest non-stop with Classic seats for a family: two adults, a child and an infant."""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.goals import BookGoal
from skillgym.envs.flight.oracle import BookPlan
from skillgym.envs.flight.scenario import (
    LAST_NAMES,
    Scenario,
    draw_trip,
    email_of,
    person,
    trip_variables,
)

KINDS = ("adult", "adult", "child", "infant")
"""The party in the order the site's passenger form lists it."""
SEATED = sum(kind != "infant" for kind in KINDS)
"""Infants travel on a lap: the fare needs seats for the others only."""


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a day with a non-stop whose Classic fare has seats for the party; the goal is the earliest.

    Every non-stop that leaves at that earliest time (another airline may share it) with
    an open Classic fare is accepted, in its Classic fare.
    """
    while True:
        today, route, inventory, query, day = draw_trip(rng, max_km=2500)
        timed = []
        for it in query.itineraries(*route, day):
            fare = query.fare(it, "Classic")
            if it.stops == 0 and fare is not None and fare.seats_left >= SEATED:
                timed.append((it.departs, (it, fare)))
        if timed:
            break
    first = min(departs for departs, _ in timed)
    best = [pick for departs, pick in timed if departs == first]
    family = rng.choice(LAST_NAMES)
    while True:
        party = [person(rng, kind, day, family) for kind in KINDS]
        if len({p.first_name for p in party}) == len(party):
            break
    email = email_of(rng, party[0])
    it, fare = best[0]
    names = {
        f"{role}_name": p.name
        for role, p in zip(("adult1", "adult2", "child", "infant"), party, strict=True)
    }
    dobs = {
        f"{role}_dob": p.dob
        for role, p in zip(("adult1", "adult2", "child", "infant"), party, strict=True)
    }
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            **trip_variables(route, day),
            **names,
            **dobs,
            "email": email,
        },
        goal=BookGoal(options={((i.id, f.id),) for i, f in best}, passengers=party, email=email),
        plan=BookPlan(route[0], route[1], day, [(it.id, fare.id)], party, email),
    )
