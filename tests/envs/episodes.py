"""Playing a task's own oracle to its verdict, and the verdict's contract: shared by the families' task tests."""

import re
from typing import Any

from skillgym.envs.core.env import SkillGymEnv


def play_oracle(env: SkillGymEnv, task: str, seed: int) -> dict[str, Any]:
    """Reset to ``task`` with ``seed`` and play the env's oracle; every step must be clean."""
    obs, _ = env.reset(seed=seed, options={"task": task})
    policy = env.oracle()
    while True:
        obs, _, terminated, truncated, info = env.step(policy(obs))
        assert obs["last_action_error"] == "", obs["last_action_error"]
        if terminated or truncated:
            assert_checks_readable(info["verification"])
            return dict(info["verification"])


def failed(verification: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The failed checks, shortly: name, expected, actual, detail."""
    return [
        (c["name"], c["expected"], c["actual"], c["detail"][:300])
        for c in verification["checks"]
        if not c["passed"]
    ]


FLOAT_NOISE = re.compile(r"\d\.?\d*e-\d|\d\.\d{10,}|\.\d*0000000\d|\.\d*9999999\d")
PYTHON_REPRS = ("None", "[", "{", "Decimal(", "datetime.")


def assert_checks_readable(verification: dict[str, Any]) -> None:
    """Every check states ``expected`` and ``actual`` as text an agent reads (the contract).

    Never null or empty, never a Python repr (``None``, ``[10500]``), never float noise
    (``-5.68e-14``, ``0.30000000000000004``).
    """
    problems = []
    for check in verification["checks"]:
        for side in ("expected", "actual"):
            text = check[side]
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{check['name']}: {side} is {text!r}")
            elif text.startswith(PYTHON_REPRS) or FLOAT_NOISE.search(text):
                problems.append(f"{check['name']}: {side} reads like code: {text[:120]!r}")
    assert not problems, problems
