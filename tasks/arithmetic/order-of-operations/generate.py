"""Evaluate a nested integer expression."""

from __future__ import annotations

from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.arithmetic.calculator import evaluate
from skillgym.envs.arithmetic.problems import Problem


class Params(BaseModel):
    """How many operands the expression nests, and their largest value."""

    model_config = ConfigDict(extra="forbid")

    operands: int = Field(default=5, ge=2, le=12)
    high: int = Field(default=20, ge=2)


def generate(rng: Random, params: Params) -> Problem:
    """Evaluate a nested integer expression whose result is exact."""
    expression = str(rng.randint(1, params.high))
    for _ in range(params.operands - 1):
        operand = rng.randint(1, params.high)
        op = rng.choice(("+", "-", "*"))
        expression = (
            f"({expression} {op} {operand})"
            if rng.random() < 0.5
            else f"{operand} {op} ({expression})"
        )
    return Problem({"expression": expression}, expression, evaluate(expression), 0)
