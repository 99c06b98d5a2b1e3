"""The balance of a deposit compounded monthly."""

from __future__ import annotations

from decimal import Decimal
from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.arithmetic.calculator import round_half_up
from skillgym.envs.arithmetic.problems import Problem


class Params(BaseModel):
    """Principal and term ranges."""

    model_config = ConfigDict(extra="forbid")

    max_principal: int = Field(default=50_000, ge=100)
    max_years: int = Field(default=30, ge=1, le=50)


def generate(rng: Random, params: Params) -> Problem:
    """The balance of a deposit compounded monthly, rounded to cents."""
    principal = rng.randint(100, params.max_principal)
    rate_bp = rng.randint(50, 900)  # basis points a year
    years = rng.randint(1, params.max_years)
    rate = Decimal(rate_bp) / 10_000
    expression = f"round({principal} * (1 + {rate} / 12) ** {12 * years}, 2)"
    answer = round_half_up(Decimal(principal) * (1 + rate / 12) ** (12 * years), 2)
    return Problem(
        {"principal": principal, "rate": f"{rate * 100:.2f}", "years": years}, expression, answer, 2
    )
