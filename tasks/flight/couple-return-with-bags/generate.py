"""Book the cheapest non-stop return trip for two adults who each check a bag on every flight.

The skill is the total, not the fare: a Light fare includes no bag, so each traveller
then needs an extra bag, which the site charges in both directions; a Classic or Flex
fare includes one. Half the draws are won by bag-included fares and half by cheaper
fares plus extra bags (``rng`` decides which before drawing), so neither habit pays.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.goals import BookGoal
from skillgym.envs.flight.inventory import Fare, Itinerary
from skillgym.envs.flight.oracle import BookPlan
from skillgym.envs.flight.pricing import BAG_CENTS
from skillgym.envs.flight.scenario import (
    LAST_NAMES,
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

TRAVELLERS = 2
MAX_OPTIONS = 4
"""At most this many (outbound, return) choices share the lowest total."""
Pick = tuple[Itinerary, Fare]


def nonstops(query: Query, origin: str, destination: str, day: date) -> list[Pick]:
    """Every non-stop's economy fares with seats for both travellers."""
    return [
        (it, fare)
        for it in query.itineraries(origin, destination, day)
        if it.stops == 0
        for fare in query.open_fares(it, TRAVELLERS)
    ]


def total(out: Pick, back: Pick, extra_bags: int) -> int:
    """What the site charges both travellers: two fares each way, extra bags both ways."""
    fares = TRAVELLERS * (out[1].adult_cents + back[1].adult_cents)
    return fares + extra_bags * TRAVELLERS * 2 * BAG_CENTS


def cheapest_pairs(
    outs: list[Pick], backs: list[Pick]
) -> dict[int, tuple[int, list[tuple[Pick, Pick]]]]:
    """For 0 and 1 extra bag per traveller: the lowest total and the pairs that reach it.

    Without extra bags both fares must include a bag; with one, any fares do.
    """
    found: dict[int, tuple[int, list[tuple[Pick, Pick]]]] = {}
    for extra in (0, 1):
        priced = [
            (total(o, b, extra), (o, b))
            for o in outs
            for b in backs
            if extra or (o[1].bags_included >= 1 and b[1].bags_included >= 1)
        ]
        if priced:
            low = min(price for price, _ in priced)
            found[extra] = (low, [pair for price, pair in priced if price == low])
    return found


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a return trip whose cheapest way to fly two checked bags is the one ``rng`` chose."""
    wanted = rng.choice((0, 1))  # extra bags per traveller in the right booking
    while True:
        today, first_day = episode_days(rng)
        route = pick_route(rng, min_km=250, max_km=1100)
        back = (route[1], route[0])
        inventory, query = make_inventory(rng, [route, back, *decoys(rng, route)], first_day)
        offset = rng.randrange(3)
        day = first_day + timedelta(days=offset)
        return_day = day + timedelta(days=rng.randint(1, 4 - offset))
        outs = nonstops(query, route[0], route[1], day)
        best = cheapest_pairs(outs, nonstops(query, back[0], back[1], return_day))
        if len(best) < 2:
            continue
        (with_bags, pairs), (other, _) = best[wanted], best[1 - wanted]
        # the other way must cost more, by at least a bag: a close call is no lesson
        if other - with_bags >= BAG_CENTS and len(pairs) <= MAX_OPTIONS:
            break
    family = rng.choice(LAST_NAMES)
    while True:
        party = [person(rng, "adult", day, family) for _ in range(TRAVELLERS)]
        if party[0].first_name != party[1].first_name:
            break
    email = email_of(rng, party[0])
    (out_it, out_fare), (back_it, back_fare) = pairs[0]
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            **trip_variables(route, day),
            "return_date": long_date(return_day),
            "name1": party[0].name,
            "dob1": party[0].dob,
            "name2": party[1].name,
            "dob2": party[1].dob,
            "email": email,
        },
        goal=BookGoal(
            options={((o.id, of.id), (b.id, bf.id)) for (o, of), (b, bf) in pairs},
            passengers=party,
            email=email,
            bags={p.name.lower(): wanted for p in party} if wanted else {},
        ),
        plan=BookPlan(
            route[0],
            route[1],
            day,
            [(out_it.id, out_fare.id), (back_it.id, back_fare.id)],
            party,
            email,
            return_day=return_day,
            bags={index: wanted for index in range(TRAVELLERS)} if wanted else {},
        ),
    )
