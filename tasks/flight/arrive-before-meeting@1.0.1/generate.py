"""Book the cheapest flight for one adult that lands at least an hour before a meeting."""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.airports import AIRPORTS_BY_CODE
from skillgym.envs.flight.inventory import Itinerary
from skillgym.envs.flight.scenario import (
    Scenario,
    cheapest,
    draw_trip,
    one_way_for_one,
)

LEAD = 60
"""Minutes between landing and the meeting, at least."""
MARGIN = 10
"""No itinerary lands within this many minutes of the deadline: no borderline cases."""
MEETINGS = range(8 * 60, 21 * 60 + 1, 15)
"""Meeting times drawn from (minutes after local midnight): 08:00 to 21:00 on the quarter."""


def _minutes(it: Itinerary, day_iso: str) -> int:
    """When an itinerary lands, in minutes after midnight of the travel day (local)."""
    days = 1 if it.arrives[:10] > day_iso else 0
    return days * 24 * 60 + int(it.arrives[11:13]) * 60 + int(it.arrives[14:16])


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a day and a meeting time that some itineraries land early enough for, not all.

    The cheapest itinerary of the day (in its cheapest open economy fare) always lands
    too late, so the meeting matters; at least two itineraries land in time, and the
    earliest-landing one is not the cheapest of them, so the price matters too. Every
    in-time itinerary and fare at the lowest price is accepted.
    """
    while True:
        today, route, inventory, query, day = draw_trip(rng)
        iso = day.isoformat()
        priced = [
            (fare.adult_cents, (it, fare))
            for it in query.itineraries(*route, day)
            for fare in query.open_fares(it)
        ]
        if not priced:
            continue
        lands = {it.id: _minutes(it, iso) for _, (it, _) in priced}
        overall = {it.id for it, _ in cheapest(priced)}
        meetings = []
        for meeting in MEETINGS:
            deadline = meeting - LEAD
            if any(abs(m - deadline) < MARGIN for m in lands.values()):
                continue
            in_time = [(p, (it, f)) for p, (it, f) in priced if lands[it.id] <= deadline]
            if not in_time or overall & {it.id for _, (it, _) in in_time}:
                continue
            first = min(lands[it.id] for _, (it, _) in in_time)
            best = cheapest(in_time)
            if any(lands[it.id] == first for it, _ in best):
                continue
            meetings.append((meeting, best))
        if meetings:
            break
    meeting, best = rng.choice(meetings)
    return one_way_for_one(
        rng,
        inventory,
        today,
        route,
        day,
        best,
        destination_city=AIRPORTS_BY_CODE[route[1]].city,
        meeting=f"{meeting // 60:02d}:{meeting % 60:02d}",
    )
