"""Add up a list of seeded integers."""

from __future__ import annotations

from decimal import Decimal
from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.arithmetic.problems import Problem


class Params(BaseModel):
    """How many integers, and their range."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=8, ge=2, le=200)
    low: int = -999
    high: int = 999


def generate(rng: Random, params: Params) -> Problem:
    """Add a list of integers."""
    numbers = [rng.randint(params.low, params.high) for _ in range(params.count)]
    expression = " + ".join(f"({n})" if n < 0 else str(n) for n in numbers)
    return Problem(
        {"numbers": ", ".join(map(str, numbers)), "count": params.count},
        expression,
        Decimal(sum(numbers)),
        0,
    )
