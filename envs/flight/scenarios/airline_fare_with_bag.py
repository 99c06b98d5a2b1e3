"""Book one adult on a named airline in a named fare family, the cheapest such flight, plus a bag."""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Any

from skillgym.envs.flight.airports import AIRLINES_BY_CODE
from skillgym.envs.flight.goals import BookGoal
from skillgym.envs.flight.oracle import BookPlan
from skillgym.envs.flight.scenario import (
    Scenario,
    cheapest,
    city,
    decoys,
    email_of,
    episode_days,
    long_date,
    make_inventory,
    person,
    pick_route,
)


def build(rng: Random, params: dict[str, Any]) -> Scenario:
    """Draw a route, day, airline and family (Classic or Flex); the goal is its cheapest fare.

    The draw is kept when the airline sells that family on at least two itineraries that
    day (so there is a choice) and another airline sells it cheaper (so the airline
    matters). Ties on price are all accepted.
    """
    while True:
        today, first_day = episode_days(rng)
        route = pick_route(rng)
        inventory, query = make_inventory(rng, [route, *decoys(rng, route)], first_day)
        day = first_day + timedelta(days=rng.randrange(5))
        family = rng.choice(("Classic", "Flex"))
        priced = [
            (fare.adult_cents, (it, fare))
            for it in query.itineraries(*route, day)
            for fare in query.open_fares(it)
            if fare.family == family
        ]
        airlines = sorted({it.airline for _, (it, _) in priced})
        if len(airlines) < 2:
            continue
        airline = rng.choice(airlines)
        mine = [(price, pick) for price, pick in priced if pick[0].airline == airline]
        if len(mine) >= 2 and min(p for p, _ in priced) < min(p for p, _ in mine):
            break
    best = cheapest(mine)
    traveller = person(rng, "adult", day)
    name = f"{traveller.first_name} {traveller.last_name}"
    email = email_of(rng, traveller)
    it, fare = best[0]
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            "origin": city(route[0]),
            "destination": city(route[1]),
            "date": long_date(day),
            "airline": AIRLINES_BY_CODE[airline].name,
            "family": family,
            "name": name,
            "dob": traveller.dob,
            "email": email,
        },
        goal=BookGoal(
            options={((i.id, f.id),) for i, f in best},
            passengers=[traveller],
            email=email,
            bags={name.lower(): 1},
        ),
        plan=BookPlan(route[0], route[1], day, [(it.id, fare.id)], [traveller], email, bags={0: 1}),
    )
