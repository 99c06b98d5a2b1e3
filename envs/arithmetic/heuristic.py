"""The arithmetic family's heuristic baseline: add up the numbers the problem lists.

A rule an untrained agent might follow: take the numbers written after the
instruction's first colon (or all of them, when it has none), add them with the
calculator and submit the result. Right for a list to sum; wrong for interest, a
receipt or a nested expression, where the numbers must be combined otherwise.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from skillgym.envs.arithmetic.calculator import format_number

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
"""A number as written: an optional minus stuck to its digits, an optional decimal part."""


def listed_numbers(instruction: str) -> list[str]:
    """The numbers of the instruction's first line after its first colon, else of it all."""
    first_line = instruction.strip().splitlines()[0] if instruction.strip() else ""
    _, colon, after = first_line.partition(":")
    return NUMBER.findall(after if colon else instruction)


def sum_expression(numbers: list[str]) -> str:
    """The calculator expression adding ``numbers`` (negatives in parentheses)."""
    return " + ".join(f"({n})" if n.startswith("-") else n for n in numbers) or "0"


class SumTheNumbersPolicy:
    """Calculate the sum of the listed numbers, then submit what the calculator printed.

    Example:
        >>> policy = SumTheNumbersPolicy()
        >>> json.loads(policy({"instruction": "Add up these 3 integers: 4, -2, 7.", "output": ""}))
        {'tool': 'calculate', 'args': {'expression': '4 + (-2) + 7'}}
        >>> json.loads(policy({"instruction": "", "output": "4 + (-2) + 7 = 9"}))["args"]
        {'answer': '9'}
    """

    def __init__(self) -> None:
        self._numbers: list[str] | None = None

    def __call__(self, observation: dict[str, str]) -> str:
        """First the calculation, then the answer."""
        if self._numbers is None:
            self._numbers = listed_numbers(observation.get("instruction", ""))
            expression = sum_expression(self._numbers)
            return json.dumps({"tool": "calculate", "args": {"expression": expression}})
        return json.dumps({"tool": "submit", "args": {"answer": self._answer(observation)}})

    def _answer(self, observation: dict[str, str]) -> str:
        _, equals, result = observation.get("output", "").rpartition(" = ")
        if equals and not observation.get("last_action_error"):
            return result.strip()
        # The calculator refused: add up by hand instead.
        return format_number(sum((Decimal(n) for n in self._numbers or []), Decimal(0)))
