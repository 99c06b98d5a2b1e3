"""A non-stop within a budget that no non-stop meets: book nothing and report the cheapest price.

The budget is 40 to 80 percent of the day's cheapest bookable non-stop fare, in whole
euros. The right outcome is no booking and an answer stating that cheapest non-stop
price, which shows the agent looked rather than guessed.
"""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict

from skillgym.envs.flight.goals import DeclineGoal
from skillgym.envs.flight.oracle import AnswerPlan
from skillgym.envs.flight.pricing import money
from skillgym.envs.flight.scenario import (
    Scenario,
    draw_trip,
    email_of,
    person,
    trip_variables,
)


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a route and day with bookable non-stops and a budget below the cheapest of them.

    The goal wants no booking and the cheapest open economy non-stop adult fare in the answer.
    """
    while True:
        today, route, inventory, query, day = draw_trip(rng, max_km=2500)
        prices = [
            fare.adult_cents
            for it in query.itineraries(*route, day)
            if it.stops == 0
            for fare in query.open_fares(it)
        ]
        if not prices:
            continue
        low = min(prices)
        budget = int(low * rng.uniform(0.4, 0.8)) // 500 * 5
        if budget >= 10:
            break
    traveller = person(rng, "adult", day)
    figure = f"{low // 100}.{low % 100:02d}"
    return Scenario(
        inventory=inventory,
        today=today,
        variables={
            **trip_variables(route, day),
            "name": traveller.name,
            "dob": traveller.dob,
            "email": email_of(rng, traveller),
            "budget": f"€{budget}",
        },
        goal=DeclineGoal(
            figure=figure, reason="no non-stop within budget", allowed=(f"{budget}.00",)
        ),
        plan=AnswerPlan(
            answer=f"No non-stop is within the budget; the cheapest non-stop costs {money(low)}",
            origin=route[0],
            destination=route[1],
            depart=day,
        ),
    )
