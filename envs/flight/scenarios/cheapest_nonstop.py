"""Book the cheapest non-stop flight of a route on a given day, for one adult."""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Any

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
    """Draw a route and day that have a non-stop with an open fare; the goal is the cheapest."""
    while True:
        today, first_day = episode_days(rng)
        route = pick_route(rng, max_km=2200)
        inventory, query = make_inventory(rng, [route, *decoys(rng, route)], first_day)
        day = first_day + timedelta(days=rng.randrange(5))
        priced = [
            (fare.adult_cents, (it, fare))
            for it in query.itineraries(*route, day)
            if it.stops == 0
            for fare in query.open_fares(it)
        ]
        if priced:
            break
    best = cheapest(priced)
    traveller = person(rng, "adult", day)
    email = email_of(rng, traveller)
    it, fare = best[0]
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            "origin": city(route[0]),
            "destination": city(route[1]),
            "date": long_date(day),
            "name": f"{traveller.first_name} {traveller.last_name}",
            "dob": traveller.dob,
            "email": email,
        },
        goal=BookGoal(
            options={((i.id, f.id),) for i, f in best}, passengers=[traveller], email=email
        ),
        plan=BookPlan(route[0], route[1], day, [(it.id, fare.id)], [traveller], email),
    )
