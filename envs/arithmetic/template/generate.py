"""Split a restaurant bill with a tip: the arithmetic template.

Change three things to make it your task: ``Params`` (what task.yaml's ``params:``
may set), ``generate`` (draw the numbers from ``rng``; compute the answer exactly with
``Decimal``, never with floats) and the instruction in task.yaml (its ``{placeholders}``
are the keys of ``variables``). Everything random comes from ``rng``: the same task
version and seed must give the same problem, byte for byte.
"""

from __future__ import annotations

from decimal import Decimal
from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.arithmetic.calculator import round_half_up
from skillgym.envs.arithmetic.problems import Problem


class Params(BaseModel):
    """What task.yaml's ``params:`` may set; ``extra="forbid"`` refuses a misspelt key."""

    model_config = ConfigDict(extra="forbid")

    max_people: int = Field(default=8, ge=2, le=30)


def generate(rng: Random, params: Params) -> Problem:
    """One bill, tip and party, and the share each person pays."""
    people = rng.randint(2, params.max_people)
    bill = Decimal(rng.randint(2_000, 60_000)) / 100  # $20.00 to $600.00, in cents
    tip = rng.choice((10, 12, 15, 18, 20, 22))
    share = round_half_up(bill * (100 + tip) / 100 / people, 2)
    return Problem(
        # the instruction's {placeholders}
        variables={"people": people, "bill": f"{bill:.2f}", "tip": tip},
        # what the oracle types into the calculator (the calculator's syntax)
        expression=f"round({bill} * (1 + {tip} / 100) / {people}, 2)",
        answer=share,
        places=2,  # the answer is checked to half a cent
    )
