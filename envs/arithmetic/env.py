"""The arithmetic family: the reference environment for the protocol and its tooling.

Small on purpose (a step costs microseconds), so it measures what SkillGym's own
plumbing costs; and real: seeded problems, a calculator tool, an oracle, verification.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from random import Random
from typing import Any, ClassVar

from pydantic import Field

from skillgym.envs.arithmetic.calculator import CalculatorError, evaluate, format_number
from skillgym.envs.arithmetic.heuristic import SumTheNumbersPolicy
from skillgym.envs.arithmetic.problems import Problem
from skillgym.envs.core.env import Policy, SkillGymEnv
from skillgym.envs.core.generators import expect_type, generate_episode
from skillgym.envs.core.options import ResetOptions
from skillgym.envs.core.tasks import TaskSpec
from skillgym.envs.core.tools import ActionError, ToolArgs, tool
from skillgym.envs.core.verification import Check, Verification


class CalculateArgs(ToolArgs):
    """Arguments of ``calculate``."""

    expression: str = Field(
        description="Arithmetic, e.g. 'round(3 * 2.45 * 1.08, 2)'.", max_length=2_000
    )


def parse_answer(text: str | None) -> Decimal | None:
    """Read a submitted number leniently: ``$1,234.50`` and `` 1234.5 `` are the same."""
    if text is None:
        return None
    cleaned = text.strip().replace(",", "").replace("$", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class ArithmeticEnv(SkillGymEnv):
    """Seeded arithmetic problems solved with a calculator tool, answered with ``submit``."""

    description = "Seeded arithmetic problems with a calculator tool: the reference family."

    family: ClassVar[str] = "arithmetic"
    observation_fields: ClassVar[tuple[str, ...]] = ("output",)
    max_field_chars: ClassVar[int] = 8_192
    # Steps are pure computation bounded by the calculator's limits (microseconds), so
    # servers run them inline instead of paying a thread hop per step.
    blocking: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._problem: Problem | None = None
        self._output = ""

    def start_episode(self, spec: TaskSpec, rng: Random, options: ResetOptions) -> dict[str, Any]:
        """Draw the problem with the task's ``generate.py``; no options beyond the core's."""
        self._problem = expect_type(generate_episode(spec, rng), Problem, spec)
        self._output = ""
        return self._problem.variables

    def observe(self) -> dict[str, str]:
        """The calculator's last result (or the submission's receipt)."""
        return {"output": self._output}

    @tool(
        "calculate",
        "Evaluate an arithmetic expression exactly (round() rounds halves up).",
        CalculateArgs,
    )
    def _calculate(self, args: CalculateArgs) -> None:
        try:
            self._output = f"{args.expression} = {format_number(evaluate(args.expression))}"
        except CalculatorError as exc:
            raise ActionError(str(exc)) from None

    def verify(self) -> Verification:
        """The submitted answer equals the problem's, to the problem's decimal places."""
        assert self._problem is not None and self.episode is not None
        expected = self._problem.answer
        submitted = self.episode.answer
        value = parse_answer(submitted)
        tolerance = Decimal(1).scaleb(-self._problem.places) / 2
        if value is None:
            passed = False
            detail = "no answer submitted" if submitted is None else "the answer is not a number"
        else:
            passed = abs(value - expected) < tolerance
            detail = "" if passed else f"off by {format_number(value - expected)}"
        self._output = "Submitted."
        check = Check(
            name="answer",
            passed=passed,
            expected=str(expected),
            actual=submitted or "(no answer submitted)",
            detail=detail,
        )
        return Verification.from_checks([check])

    def oracle(self) -> Policy:
        """Calculate the problem's expression, then submit the known answer."""
        assert self._problem is not None
        calculate = json.dumps(
            {"tool": "calculate", "args": {"expression": self._problem.expression}}
        )
        submit = json.dumps({"tool": "submit", "args": {"answer": str(self._problem.answer)}})
        plan = iter((calculate,))
        return lambda _observation: next(plan, submit)

    def heuristic(self) -> Policy:
        """Add up the numbers the problem lists and submit the sum (``heuristic.py``)."""
        return SumTheNumbersPolicy()
