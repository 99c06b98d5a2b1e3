"""Book the earliest non-stop flight of a day, in its cheapest fare: the flight template.

A generator draws the episode from ``rng`` and returns a ``Scenario``: the inventory the
site serves, the instruction's variables, the goal the verifier checks against the
site's database (``skillgym.envs.flight.goals``) and the plan the oracle follows
(``skillgym.envs.flight.oracle``). Both are computed here from the inventory, never
from the site's pages.

To make it your task, change what ``generate`` looks for (a cabin, a fare family, an
arrival time, a budget...) and say it in task.yaml's instruction. Keep two habits:

- redraw until the request is well-posed: the flight you ask for exists, and the
  constraint rules out the naive answer (here: the earliest flight is not also the
  cheapest one, so "sort by price" fails);
- accept every right answer: ties (two airlines leaving at the same minute) all go
  into the goal's options.

Everything random comes from ``rng``: the same task version and seed give the same
inventory, traveller and goal.
"""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.scenario import Scenario, cheapest, draw_trip, one_way_for_one


class Params(BaseModel):
    """What task.yaml's ``params:`` may set (nothing yet; add fields with defaults)."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a day with two or more non-stops; the goal is the earliest, in its cheapest fare."""
    while True:
        # today, the route asked about, its inventory (with decoy routes), a query, the day
        today, route, inventory, query, day = draw_trip(rng, max_km=2500)
        nonstops = [
            (it, query.open_fares(it))
            for it in query.itineraries(*route, day)
            if it.stops == 0 and query.open_fares(it)  # economy fares with a seat left
        ]
        if len(nonstops) < 2:
            continue
        first = min(it.departs for it, _ in nonstops)
        earliest = [(it, fares) for it, fares in nonstops if it.departs == first]
        # every earliest flight, each in its cheapest fare (ties on price included)
        best = [
            pick
            for it, fares in earliest
            for pick in cheapest([(fare.adult_cents, (it, fare)) for fare in fares])
        ]
        cheapest_overall = min(f.adult_cents for _, fares in nonstops for f in fares)
        if min(fare.adult_cents for _, fare in best) > cheapest_overall:
            break
    # one adult drawn from rng; the goal accepts any of `best`; the oracle books best[0]
    return one_way_for_one(rng, inventory, today, route, day, best)
