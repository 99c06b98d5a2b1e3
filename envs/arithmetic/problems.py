"""Seeded problem generators of the arithmetic family, one per task ``generator`` name.

Each generator reads its task's ``params`` through a pydantic model (a bad task file
fails with a clear message) and draws everything else from the episode's ``Random``,
so the same task version and seed always give the same problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from random import Random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillgym.envs.arithmetic.calculator import evaluate, round_half_up
from skillgym.errors import TaskFormatError


@dataclass(frozen=True)
class Problem:
    """One generated problem: the instruction's variables and the hidden solution."""

    variables: dict[str, Any]
    expression: str
    answer: Decimal
    places: int


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SumListParams(_Params):
    """How many integers, and their range."""

    count: int = Field(default=8, ge=2, le=200)
    low: int = -999
    high: int = 999


class ExpressionParams(_Params):
    """How many operands the expression nests."""

    operands: int = Field(default=5, ge=2, le=12)
    high: int = Field(default=20, ge=2)


class ReceiptParams(_Params):
    """How many lines on the receipt, and the discount and tax ranges in percent."""

    items: int = Field(default=3, ge=1, le=10)
    max_discount_pct: int = Field(default=20, ge=0, le=90)
    max_tax_pct: int = Field(default=10, ge=0, le=30)


class InterestParams(_Params):
    """Principal and term ranges."""

    max_principal: int = Field(default=50_000, ge=100)
    max_years: int = Field(default=30, ge=1, le=50)


_ITEMS = (
    "notebook",
    "pen",
    "stapler",
    "coffee mug",
    "desk lamp",
    "USB cable",
    "sticky notes",
    "whiteboard marker",
    "paper ream",
    "calculator",
    "mouse pad",
    "binder",
)


def sum_list(params: SumListParams, rng: Random) -> Problem:
    """Add a list of integers."""
    numbers = [rng.randint(params.low, params.high) for _ in range(params.count)]
    expression = " + ".join(f"({n})" if n < 0 else str(n) for n in numbers)
    return Problem(
        {"numbers": ", ".join(map(str, numbers)), "count": params.count},
        expression,
        Decimal(sum(numbers)),
        0,
    )


def order_of_operations(params: ExpressionParams, rng: Random) -> Problem:
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


def shopping_receipt(params: ReceiptParams, rng: Random) -> Problem:
    """Quantities times prices, less a discount, plus tax, rounded to cents."""
    names = rng.sample(_ITEMS, params.items)
    lines = [(name, rng.randint(1, 6), Decimal(rng.randint(50, 9_999)) / 100) for name in names]
    discount = rng.randint(0, params.max_discount_pct)
    tax = rng.randint(0, params.max_tax_pct)
    subtotal = " + ".join(f"{qty} * {price}" for _, qty, price in lines)
    expression = f"round(({subtotal}) * (1 - {discount} / 100) * (1 + {tax} / 100), 2)"
    exact = (
        sum(qty * price for _, qty, price in lines)
        * (1 - Decimal(discount) / 100)
        * (1 + Decimal(tax) / 100)
    )
    items = "; ".join(f"{qty} x {name} at ${price}" for name, qty, price in lines)
    return Problem(
        {"items": items, "discount": discount, "tax": tax}, expression, round_half_up(exact, 2), 2
    )


def compound_interest(params: InterestParams, rng: Random) -> Problem:
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


_GENERATORS: dict[str, tuple[type[_Params], Callable[[Any, Random], Problem]]] = {
    "sum_list": (SumListParams, sum_list),
    "order_of_operations": (ExpressionParams, order_of_operations),
    "shopping_receipt": (ReceiptParams, shopping_receipt),
    "compound_interest": (InterestParams, compound_interest),
}


def generate(generator: str, params: dict[str, Any], rng: Random, *, task_ref: str) -> Problem:
    """Draw a problem from the named generator.

    Raises:
        TaskFormatError: For an unknown generator or params its model refuses.
    """
    if generator not in _GENERATORS:
        raise TaskFormatError(
            f"{task_ref}: unknown generator {generator!r}; expects one of {sorted(_GENERATORS)}"
        )
    params_model, make = _GENERATORS[generator]
    try:
        parsed = params_model.model_validate(params)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise TaskFormatError(f"{task_ref}: params for {generator!r}: {problems}") from None
    return make(parsed, rng)
