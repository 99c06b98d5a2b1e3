"""Total a receipt: quantities times prices, less a discount, plus tax."""

from __future__ import annotations

from decimal import Decimal
from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.arithmetic.calculator import round_half_up
from skillgym.envs.arithmetic.problems import Problem


class Params(BaseModel):
    """How many lines on the receipt, and the discount and tax ranges in percent."""

    model_config = ConfigDict(extra="forbid")

    items: int = Field(default=3, ge=1, le=10)
    max_discount_pct: int = Field(default=20, ge=0, le=90)
    max_tax_pct: int = Field(default=10, ge=0, le=30)


ITEMS = (
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


def generate(rng: Random, params: Params) -> Problem:
    """Quantities times prices, less a discount, plus tax, rounded to cents."""
    names = rng.sample(ITEMS, params.items)
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
