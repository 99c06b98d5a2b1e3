"""What an arithmetic task's ``generate.py`` returns: one seeded problem.

A task's generator reads its ``params`` through its ``Params`` model and draws
everything else from the episode's ``Random``, so the same task version and seed always
give the same problem. The calculator (:mod:`skillgym.envs.arithmetic.calculator`) is
the authors' API for exact answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One generated problem: the instruction's variables and the hidden solution."""

    variables: dict[str, Any]
    expression: str
    answer: Decimal
    places: int
