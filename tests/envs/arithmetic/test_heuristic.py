"""The arithmetic heuristic: a weak baseline between the random policy and the oracle.

Played in-process on seeds 0 and 1 of every newest arithmetic task.
"""

from statistics import mean

import pytest

from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.tasks import TaskCatalog

TASKS = [spec.ref for spec in TaskCatalog.load().latest("arithmetic")]
SEEDS = (0, 1)


def mean_reward(policy: str) -> float:
    """The policy's mean reward over every newest task and seed."""
    env = ArithmeticEnv()
    try:
        return mean(
            run_episode(
                env,
                make_policy(policy, family="arithmetic", task=task, seed=seed),
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
