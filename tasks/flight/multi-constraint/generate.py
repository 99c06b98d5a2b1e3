"""Book the cheapest flight of a long route whose journey is under 6 hours with at most one stop.

The route is 1,800 to 3,500 km, so one-stop itineraries through a hub are cheaper than
non-stops but often take longer than 6 hours door to door. Every episode's overall
cheapest flight breaks the time limit, so sorting by price alone fails; in about a
third of the episodes the answer is a one-stop that fits, so taking the cheapest
non-stop fails too.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.inventory import Fare, Itinerary
from skillgym.envs.flight.scenario import (
    Query,
    Scenario,
    cheapest,
    decoys,
    episode_days,
    make_inventory,
    one_way_for_one,
    pick_route,
)

MAX_MINUTES = 6 * 60
"""The journey must take less than this, from first departure to last arrival."""
MAX_STOPS = 1


def _fitting_cheapest(
    query: Query, route: tuple[str, str], day: date
) -> list[tuple[Itinerary, Fare]]:
    """The cheapest (itinerary, fare) choices within the limits, when the overall cheapest is not."""
    priced = [
        (fare.adult_cents, (it, fare))
        for it in query.itineraries(*route, day)
        for fare in query.open_fares(it)
    ]
    fitting = [
        (price, (it, fare))
        for price, (it, fare) in priced
        if it.minutes < MAX_MINUTES and it.stops <= MAX_STOPS
    ]
    overall: list[tuple[Itinerary, Fare]] = cheapest(priced)
    if not fitting or any(it.minutes < MAX_MINUTES and it.stops <= MAX_STOPS for it, _ in overall):
        return []
    best: list[tuple[Itinerary, Fare]] = cheapest(fitting)
    return best


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a long route and a day where the cheapest flight is too long and another fits.

    The goal accepts every (itinerary, fare) that fits the limits at the lowest open
    economy adult price.
    """
    want_one_stop = rng.random() < 0.3
    while True:
        today, first_day = episode_days(rng)
        route = pick_route(rng, min_km=1800, max_km=3500)
        inventory, query = make_inventory(rng, [route, *decoys(rng, route)], first_day)
        days = [first_day + timedelta(days=offset) for offset in rng.sample(range(5), 5)]
        drawn = [(day, _fitting_cheapest(query, route, day)) for day in days]
        matching = [
            (day, best)
            for day, best in drawn
            if best and any(it.stops > 0 for it, _ in best) == want_one_stop
        ]
        if matching:
            day, best = matching[0]
            break
    return one_way_for_one(rng, inventory, today, route, day, best)
