"""Running whole episodes with a policy, locally or over the wire, and their results."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from pydantic import BaseModel

from skillgym.envs.core.env import Policy
from skillgym.envs.core.policies import RandomToolPolicy, noop_policy
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.core.verification import Verification

POLICIES = ("oracle", "random", "noop", "heuristic")


class EpisodeResult(BaseModel):
    """One finished episode, as ``skillgym run --json`` prints it."""

    task: str
    version: str
    seed: int
    reward: float
    success: bool
    steps: int
    terminated: bool
    truncated: bool
    verification: Verification


def run_episode(env: gym.Env, policy: Policy, *, task: str, seed: int) -> EpisodeResult:
    """Reset ``env`` on ``task`` with ``seed`` and step ``policy`` until the episode ends."""
    observation, info = env.reset(seed=seed, options={"task": task})
    while True:
        observation, reward, terminated, truncated, info = env.step(policy(observation))
        if terminated or truncated:
            return episode_result(info, float(reward), terminated, truncated)


def episode_result(
    info: dict[str, Any], reward: float, terminated: bool, truncated: bool
) -> EpisodeResult:
    """Build an :class:`EpisodeResult` from the last step's ``info``."""
    task_id, _, version = info["task"].partition("@")
    verification: Verification = info["verification"]
    return EpisodeResult(
        task=task_id,
        version=version,
        seed=info["seed"],
        reward=reward,
        success=verification.success,
        steps=info["step"],
        terminated=terminated,
        truncated=truncated,
        verification=verification,
    )


def make_policy(
    name: str, *, family: str, task: str, seed: int, catalog: TaskCatalog | None = None
) -> Policy:
    """A policy by name for one episode of ``task`` with ``seed``.

    The oracle needs the episode's hidden truth, which never crosses the wire: it is
    recomputed here from the task version and seed in a local twin of the
    environment (same version + seed give the same episode, by contract). The
    heuristic is built from the same twin but reads only the observations it is given.
    """
    if name == "noop":
        return noop_policy
    if name == "random":
        return RandomToolPolicy(env_class(family).toolset_schemas(), seed=seed)
    if name in ("oracle", "heuristic"):
        twin = env_class(family)(catalog=catalog)
        try:
            twin.reset(seed=seed, options={"task": task})
            return twin.oracle() if name == "oracle" else twin.heuristic()
        finally:
            twin.close()  # the policy carries what it needs; the twin's resources go now
    raise ValueError(f"Expects a policy in {POLICIES}, actual value: {name!r}")
