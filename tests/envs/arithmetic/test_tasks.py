"""Every bundled arithmetic task: its oracle scores 1.0 and a no-op scores 0."""

import pytest

from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.tasks import TaskCatalog
from tests.envs.episodes import assert_checks_readable

TASKS = [spec.ref for spec in TaskCatalog.load().latest("arithmetic")]
SEEDS = range(5)


def test_the_family_has_several_tasks():
    assert len(TASKS) >= 4


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_scores_one(task, seed):
    result = run_episode(
        ArithmeticEnv(),
        make_policy("oracle", family="arithmetic", task=task, seed=seed),
        task=task,
        seed=seed,
    )
    assert (result.reward, result.success) == (1.0, True), result.verification
    assert_checks_readable(result.verification)


@pytest.mark.parametrize("task", TASKS)
def test_noop_scores_zero(task):
    result = run_episode(
        ArithmeticEnv(),
        make_policy("noop", family="arithmetic", task=task, seed=0),
        task=task,
        seed=0,
    )
    assert (result.reward, result.success) == (0.0, False)
    assert_checks_readable(result.verification)


@pytest.mark.parametrize("task", TASKS)
def test_random_policy_ends_every_episode_within_the_limits(task):
    result = run_episode(
        ArithmeticEnv(),
        make_policy("random", family="arithmetic", task=task, seed=1),
        task=task,
        seed=1,
    )
    assert result.terminated or result.truncated
    assert 0.0 <= result.reward <= 1.0
