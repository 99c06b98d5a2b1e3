"""The verifier's verdict: a score in [0, 1], success, and a breakdown per check."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

FAILED_ESSENTIAL_FACTOR = 0.2
"""What is left of the score when an essential check failed: a blunt strategy that
passes every other check still scores below 0.5 (at most 0.2)."""


class Check(BaseModel):
    """One verified property of the episode's outcome.

    ``expected`` and ``actual`` are text in the units the agent saw (euros as the site
    prints them, cell text, a test's assertion), never empty: a reader who cannot see
    the code learns from them what was asked and what was found.

    Example:
        >>> Check(name="answer", passed=False, expected="42", actual="41").passed
        False
    """

    name: str
    passed: bool
    weight: float = Field(default=1.0, gt=0)
    expected: str = Field(
        min_length=1, description="What the check asks for, as the agent reads it."
    )
    actual: str = Field(min_length=1, description="What the episode left, in the same terms.")
    detail: str = ""
    essential: bool = Field(
        default=False,
        description=(
            "Whether the task is not done without it (the right booking cancelled, every "
            "traveller booked, the services left running). A failed essential check caps the "
            "score at 20% of the share passed."
        ),
    )


class Verification(BaseModel):
    """The verdict that becomes the final reward and ``info["verification"]``.

    ``success`` is its own field, true only when every check passed; it is never
    derived from ``score > 0``.
    """

    score: float = Field(ge=0.0, le=1.0)
    success: bool
    checks: list[Check]

    @classmethod
    def gated(cls, score: float, checks: Sequence[Check]) -> Verification:
        """The verdict for a family's own ``score``, with the essential rule applied.

        A failed essential check multiplies the score by ``FAILED_ESSENTIAL_FACTOR``;
        success needs every check.

        Example:
            >>> v = Verification.gated(0.9, [
            ...     Check(name="a", passed=False, expected="4", actual="5", essential=True),
            ... ])
            >>> round(v.score, 2)
            0.18
        """
        if not checks:
            raise ValueError("Expects at least one check, actual value: []")
        if any(c.essential and not c.passed for c in checks):
            score *= FAILED_ESSENTIAL_FACTOR
        return cls(score=score, success=all(c.passed for c in checks), checks=list(checks))

    @classmethod
    def from_checks(cls, checks: Sequence[Check]) -> Verification:
        """Score as the weighted fraction of passed checks; success when all passed.

        A failed essential check leaves ``FAILED_ESSENTIAL_FACTOR`` of that fraction.

        Example:
            >>> v = Verification.from_checks([
            ...     Check(name="a", passed=True, expected="4", actual="4"),
            ...     Check(name="b", passed=False, expected="5", actual="6"),
            ... ])
            >>> (v.score, v.success)
            (0.5, False)
        """
        if not checks:
            raise ValueError("Expects at least one check, actual value: []")
        total = sum(c.weight for c in checks)
        passed = sum(c.weight for c in checks if c.passed)
        return cls.gated(passed / total, checks)
