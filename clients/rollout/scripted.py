"""The built-in scripted policies: ``oracle``, ``random``, ``noop`` and ``heuristic``.

They need the families installed where the rollout workers run (``skillgym[local]``
and the family's extra): the oracle recomputes the episode's hidden truth from the
task version and seed in a local twin of the environment, which never crosses the
wire; the heuristic is the family's own weak baseline (``heuristic()`` on the env).

Example:
    >>> ScriptedPolicy("noop").name
    'noop'
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from skillgym.clients.rollout.policy import Agent, Decision, EpisodeContext, Observation

ScriptedName = Literal["oracle", "random", "noop", "heuristic"]
SCRIPTED: tuple[str, ...] = get_args(ScriptedName)


class _ScriptedAgent:
    def __init__(self, name: ScriptedName, context: EpisodeContext) -> None:
        self._name = name
        self._context = context
        self._play: Callable[[Observation], str] | None = None

    async def act(self, observation: Observation) -> Decision:
        if self._play is None:
            # Building the oracle replays the episode in a local twin (for a flight,
            # a browser): off the event loop, so other episodes keep stepping.
            self._play = await asyncio.to_thread(_build, self._name, self._context)
        return Decision(action=self._play(observation))


def _build(name: ScriptedName, context: EpisodeContext) -> Callable[[Observation], str]:
    from skillgym.envs.core.episode import make_policy

    if context.seed is None:
        if name == "oracle":
            raise ValueError(
                "The oracle recomputes the episode from its seed, and this episode's seed is "
                "hidden (a hub run's slot). Evaluate the oracle in a reference run "
                "(skillgym eval --reference, with an admin token)."
            )
        # random and the heuristic use the seed only to vary themselves; the twin the
        # heuristic is built from plays the same task, and it reads only observations.
        return make_policy(name, family=context.family, task=context.task_id, seed=0)

    return make_policy(name, family=context.family, task=context.task_id, seed=context.seed)


@dataclass
class ScriptedPolicy:
    """One of the built-in policies by name (see :data:`SCRIPTED`)."""

    kind: ScriptedName
    version: str = "scripted"

    def __post_init__(self) -> None:
        if self.kind not in SCRIPTED:
            raise ValueError(
                f"Expects a scripted policy, one of {', '.join(SCRIPTED)}, "
                f"actual value: {self.kind!r}"
            )

    @property
    def name(self) -> str:
        """The policy's name as rollouts record it."""
        return self.kind

    def agent(self, context: EpisodeContext) -> Agent:
        """An agent that plays the scripted policy on this episode."""
        return _ScriptedAgent(self.kind, context)
