"""Book a non-stop return trip for one adult, a checked bag in each fare, within a budget."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.goals import BookGoal
from skillgym.envs.flight.inventory import Fare, Itinerary
from skillgym.envs.flight.oracle import BookPlan
from skillgym.envs.flight.pricing import money
from skillgym.envs.flight.scenario import (
    Query,
    Scenario,
    decoys,
    email_of,
    episode_days,
    long_date,
    make_inventory,
    person,
    pick_route,
    trip_variables,
)

MAX_OPTIONS = 4
"""At most this many (outbound, return) choices fit the budget."""


def _with_bag(
    query: Query, origin: str, destination: str, day: date
) -> list[tuple[Itinerary, Fare]]:
    """The non-stop itineraries' open economy fares that include a checked bag."""
    return [
        (it, fare)
        for it in query.itineraries(origin, destination, day)
        if it.stops == 0
        for fare in query.open_fares(it)
        if fare.bags_included >= 1
    ]


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a return trip and a budget (whole euros) that a few qualifying fare pairs meet.

    A pair qualifies when both flights are non-stop and both economy fares include a
    checked bag; the budget is the cheapest pair's price rounded up plus a small margin,
    and every qualifying pair within it is accepted.
    """
    while True:
        today, first_day = episode_days(rng)
        route = pick_route(rng, max_km=2500)
        back = (route[1], route[0])
        inventory, query = make_inventory(rng, [route, back, *decoys(rng, route)], first_day)
        offset = rng.randrange(3)
        day = first_day + timedelta(days=offset)
        return_day = day + timedelta(days=rng.randint(1, 4 - offset))
        outs = _with_bag(query, *route, day)
        returns = _with_bag(query, *back, return_day)
        pairs = [
            (o_fare.adult_cents + r_fare.adult_cents, ((o_it, o_fare), (r_it, r_fare)))
            for o_it, o_fare in outs
            for r_it, r_fare in returns
        ]
        if not pairs:
            continue
        low = min(price for price, _ in pairs)
        budget = (low // 100 + 1 + rng.randrange(0, 20)) * 100
        within = sorted(
            ((price, pair) for price, pair in pairs if price <= budget),
            key=lambda p: (p[0], p[1][0][1].id, p[1][1][1].id),
        )
        if len(within) <= MAX_OPTIONS:
            break
    traveller = person(rng, "adult", day)
    email = email_of(rng, traveller)
    (out_it, out_fare), (ret_it, ret_fare) = within[0][1]
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            **trip_variables(route, day),
            "return_date": long_date(return_day),
            "budget": money(budget),
            "name": traveller.name,
            "dob": traveller.dob,
            "email": email,
        },
        goal=BookGoal(
            options={((o.id, of.id), (r.id, rf.id)) for _, ((o, of), (r, rf)) in within},
            passengers=[traveller],
            email=email,
        ),
        plan=BookPlan(
            route[0],
            route[1],
            day,
            [(out_it.id, out_fare.id), (ret_it.id, ret_fare.id)],
            [traveller],
            email,
            return_day=return_day,
        ),
    )
