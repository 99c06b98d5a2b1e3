"""The terminal heuristic: a weak baseline between the random policy and the oracle.

Played in-process on seed 0 of two tasks: one it gets partly right, one it misses.
"""

from statistics import mean

import pytest

from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.terminal import TerminalEnv

# One task it gets partly right and one it misses (seeds 0-2 of every task: docs/rollouts.md)
TASKS = [
    TaskCatalog.load().resolve(t).ref
    for t in ("terminal/sed-config-patch", "terminal/cron-schedule")
]
SEEDS = (0,)


def mean_reward(policy: str) -> float:
    """The policy's mean reward over the tasks and seeds."""
    env = TerminalEnv()
    try:
        return mean(
            run_episode(
                env,
                make_policy(policy, family="terminal", task=task, seed=seed),
                task=task,
                seed=seed,
            ).reward
            for task in TASKS
            for seed in SEEDS
        )
    finally:
        env.close()


@pytest.fixture(scope="module")
def heuristic_mean() -> float:
    return mean_reward("heuristic")


def test_the_heuristic_scores_above_the_random_policy(heuristic_mean):
    assert heuristic_mean > mean_reward("random")


def test_the_heuristic_scores_below_the_oracle(heuristic_mean):
    assert heuristic_mean < 1.0
