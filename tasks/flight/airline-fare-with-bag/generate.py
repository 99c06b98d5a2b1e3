"""Book one adult on a named airline in a named fare family, the cheapest such flight, plus a bag."""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.airports import AIRLINES_BY_CODE
from skillgym.envs.flight.scenario import (
    Scenario,
    cheapest,
    draw_trip,
    one_way_for_one,
)


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a route, day, airline and family (Classic or Flex); the goal is its cheapest fare.

    The draw is kept when the airline sells that family on at least two itineraries that
    day (so there is a choice) and another airline sells it cheaper (so the airline
    matters). Ties on price are all accepted.
    """
    while True:
        today, route, inventory, query, day = draw_trip(rng)
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
