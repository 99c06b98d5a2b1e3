"""Book the cheapest non-stop flight of a route on a given day, for one adult."""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Any

from skillgym.envs.flight.scenario import (
    Scenario,
    cheapest,
    decoys,
    episode_days,
    make_inventory,
    one_way_for_one,
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
    return one_way_for_one(rng, inventory, today, route, day, best)
