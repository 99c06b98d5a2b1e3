"""Every flight task: the oracle books it right on five seeds, in-process and over HTTP; a no-op fails."""

from collections.abc import Iterator

import pytest

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.policies import noop_policy
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.flight import FlightEnv
from tests.envs.episodes import failed, play_oracle

TASKS = [spec.ref for spec in TaskCatalog.load().latest("flight")]
SEEDS = range(5)


@pytest.fixture(scope="module")
def env() -> Iterator[FlightEnv]:
    environment = FlightEnv()
    yield environment
    environment.close()


def test_there_are_at_least_ten_tasks():
    assert len(TASKS) >= 10


@pytest.mark.parametrize("task", TASKS)
def test_oracle_scores_one_in_process(env, task):
    for seed in SEEDS:
        verification = play_oracle(env, task, seed)
        assert verification.score == 1.0 and verification.success, (
            seed,
            failed(verification),
        )


@pytest.mark.parametrize("task", TASKS)
def test_oracle_scores_one_over_http(base_url, task):
    with RemoteEnv(base_url, env="flight") as remote:
        for seed in SEEDS:
            oracle = make_policy("oracle", family="flight", task=task, seed=seed)
            result = run_episode(remote, oracle, task=task, seed=seed)
            assert result.reward == 1.0 and result.success, (seed, failed(result.verification))


@pytest.mark.parametrize("task", TASKS)
def test_noop_scores_zero(env, task):
    for seed in SEEDS:
        result = run_episode(env, noop_policy, task=task, seed=seed)
        assert result.reward == 0.0 and not result.success, (seed, result.verification)
