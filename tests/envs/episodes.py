"""Playing a task's own oracle to its verdict, and the verdict's contract: shared by the families' task tests."""

import re
from typing import Any

from skillgym.envs.core.env import SkillGymEnv
from skillgym.envs.core.verification import Verification


def play_oracle(env: SkillGymEnv, task: str, seed: int) -> Verification:
    """Reset to ``task`` with ``seed`` and play the env's oracle; every step must be clean."""
    obs, _ = env.reset(seed=seed, options={"task": task})
    policy = env.oracle()
    while True:
        obs, _, terminated, truncated, info = env.step(policy(obs))
        assert obs["last_action_error"] == "", obs["last_action_error"]
        if terminated or truncated:
            assert_checks_readable(info["verification"])
            return info["verification"]


def failed(verification: Verification) -> list[tuple[Any, ...]]:
    """The failed checks, shortly: name, expected, actual, detail."""
    return [
        (c.name, c.expected, c.actual, c.detail[:300]) for c in verification.checks if not c.passed
    ]


# A number standing on its own: digits inside a word (a hex digest's "726e04") are no number.
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?!\w)")
MAX_SIGNIFICANT = 10
PYTHON_REPRS = ("None", "[", "{", "Decimal(", "datetime.")


def significant_digits(number: str) -> int:
    """How many significant digits a printed number holds (trailing zeros of an integer not)."""
    digits = number.replace(".", "").lstrip("0")
    return len(digits if "." in number else digits.rstrip("0"))


def unreadable(text: Any) -> str | None:
    """Why ``text`` breaks the checks' contract, or None when it keeps it.

    Text an agent reads: never null or empty, never a Python repr (``None``, ``[10500]``),
    never float noise (``-5.68e-14``, ``0.30000000000000004``).
    """
    if not isinstance(text, str) or not text.strip():
        return f"not a non-empty string: {text!r}"
    if text.startswith(PYTHON_REPRS):
        return f"reads like code: {text[:120]!r}"
    for number in NUMBER.findall(text):
        if "e" in number.lower():
            return f"{number} in exponent form"
        if significant_digits(number) > MAX_SIGNIFICANT:
            return f"{number} has more than {MAX_SIGNIFICANT} significant digits"
    return None


def contract_breaches(verification: Verification) -> list[tuple[str, str, str]]:
    """Every (check, field, reason) of ``verification`` that breaks the contract."""
    found = []
    for check in verification.checks:
        for field in ("expected", "actual"):
            reason = unreadable(getattr(check, field))
            if reason:
                found.append((check.name, field, reason))
    return found


def assert_checks_readable(verification: Verification) -> None:
    """Every check states ``expected`` and ``actual`` as text an agent reads (the contract)."""
    breaches = contract_breaches(verification)
    assert not breaches, breaches
