"""Policies every family gets for free: ``noop`` and ``random`` (the oracle is the family's)."""

from __future__ import annotations

import json
from random import Random
from typing import Any

NOOP_ACTION = json.dumps({"tool": "submit", "args": {}})


def noop_policy(_observation: dict[str, str]) -> str:
    """Submit at once, doing nothing: every task must score 0 on this."""
    return NOOP_ACTION


class RandomToolPolicy:
    """Calls a random tool with arguments drawn from its JSON Schema.

    Example:
        >>> from skillgym.envs.arithmetic import ArithmeticEnv
        >>> policy = RandomToolPolicy(ArithmeticEnv().tools, seed=0)
        >>> json.loads(policy({}))["tool"] in {"calculate", "submit"}
        True
    """

    def __init__(self, tools: list[dict[str, Any]], *, seed: int | None = None) -> None:
        self._tools = [t["function"] for t in tools]
        self._rng = Random(seed)

    def __call__(self, _observation: dict[str, str]) -> str:
        """A random tool call."""
        chosen = self._rng.choice(self._tools)
        properties = chosen["parameters"].get("properties", {})
        args = {name: self._value(schema) for name, schema in properties.items()}
        return json.dumps({"tool": chosen["name"], "args": args})

    def _value(self, schema: dict[str, Any]) -> Any:
        kinds = [s.get("type") for s in schema.get("anyOf", [schema])]
        kind = self._rng.choice([k for k in kinds if k != "null"] or ["null"])
        if kind == "integer":
            return self._rng.randint(-100, 1_000)
        if kind == "number":
            return round(self._rng.uniform(-100, 1_000), 2)
        if kind == "boolean":
            return self._rng.random() < 0.5
        if kind == "object":  # e.g. cells -> content: one random cell
            cell = f"{chr(65 + self._rng.randint(0, 7))}{self._rng.randint(1, 30)}"
            return {cell: self._value({"type": self._rng.choice(["number", "string"])})}
        if kind == "string":
            return self._rng.choice(
                [
                    str(self._rng.randint(0, 9_999)),
                    f"{self._rng.randint(1, 99)} * {self._rng.randint(1, 99)}",
                ]
            )
        return None
