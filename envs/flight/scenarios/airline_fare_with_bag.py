"""Book one adult on a named airline in a named fare family, the cheapest such flight, plus a bag."""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Any

from skillgym.envs.flight.airports import AIRLINES_BY_CODE
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
    return one_way_for_one(
        rng,
        inventory,
        today,
        route,
        day,
        best,
        bags=1,
        airline=AIRLINES_BY_CODE[airline].name,
        family=family,
    )
