"""Of two bookings of one traveller, cancel the refundable one and keep the other.

One booking holds a Flex fare (refundable), the other a Light or Classic fare (not
refundable); they are on different days, either a random other route or the way back.
The instruction names both references in a random order and not which is which: the
agent opens them under Manage booking and tells them apart by fare or by what the
cancel page says it refunds.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.goals import CancelGoal
from skillgym.envs.flight.inventory import Fare, Itinerary
from skillgym.envs.flight.oracle import ManagePlan
from skillgym.envs.flight.scenario import (
    PreBooking,
    Query,
    Scenario,
    decoys,
    email_of,
    episode_days,
    make_inventory,
    person,
    pick_route,
)
from skillgym.envs.flight.store import booking_ref


def _pick(
    rng: Random, query: Query, route: tuple[str, str], day: date, family: str
) -> tuple[Itinerary, Fare] | None:
    """A flight of ``route`` on ``day`` whose ``family`` fare had a seat to sell."""
    offered = []
    for it in query.itineraries(*route, day):
        fare = query.fare(it, family)
        if fare is not None and fare.seats_left >= 1:
            offered.append((it, fare))
    return rng.choice(offered) if offered else None


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw two trips on different days, one booked in Flex and one in Light or Classic.

    The goal cancels the Flex booking, refunding its fare, and keeps the other.
    """
    while True:
        today, first_day = episode_days(rng)
        first = pick_route(rng, max_km=3000)
        if rng.random() < 0.5:
            second = (first[1], first[0])
            offsets = sorted(rng.sample(range(5), 2))
        else:
            second = pick_route(rng, max_km=3000)
            offsets = rng.sample(range(5), 2)
            if set(second) == set(first):
                continue
        routes = [first, second, *decoys(rng, first, n=1)]
        inventory, query = make_inventory(rng, list(dict.fromkeys(routes)), first_day)
        days = [first_day + timedelta(days=offset) for offset in offsets]
        flex_index = rng.randrange(2)
        other_family = rng.choice(("Light", "Classic"))
        drawn = [
            _pick(rng, query, route, day, "Flex" if i == flex_index else other_family)
            for i, (route, day) in enumerate(zip((first, second), days, strict=True))
        ]
        picks = [pick for pick in drawn if pick is not None]
        if len(picks) < 2:
            continue
        refs = [booking_ref(rng), booking_ref(rng)]
        if refs[0] != refs[1]:
            break
    traveller = person(rng, "adult", min(days))
    email = email_of(rng, traveller)
    prebookings = [
        PreBooking(
            ref=ref,
            passengers=[traveller],
            legs={"out": (it.id, fare.id)},
            total_cents=fare.adult_cents,
            email=email,
        )
        for ref, (it, fare) in zip(refs, picks, strict=True)
    ]
    flex_ref, other_ref = refs[flex_index], refs[1 - flex_index]
    _, flex_fare = picks[flex_index]
    mentioned = rng.sample(refs, 2)
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            "ref_1": mentioned[0],
            "ref_2": mentioned[1],
            "last_name": traveller.last_name,
            "name": traveller.name,
        },
        goal=CancelGoal(cancel=flex_ref, keep=[other_ref], refund_cents=flex_fare.adult_cents),
        plan=ManagePlan(flex_ref, traveller.last_name, "cancel"),
        prebookings=prebookings,
    )
