"""Book the cheapest non-stop flight of a route on a given day, for one adult."""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

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
    """Draw a route and day that have a non-stop with an open fare; the goal is the cheapest."""
    while True:
        today, route, inventory, query, day = draw_trip(rng, max_km=2200)
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
