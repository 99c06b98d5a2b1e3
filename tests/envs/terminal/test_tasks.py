"""Every terminal task: the oracle passes, a no-op and the verifier shims fail, in both sandboxes.

(Every cheat a task is played with, the family's and its own, is ``skillgym validate``'s;
``test_blunt_strategies.py`` replays the blunt strategies found so far.)
"""

from collections.abc import Iterator

import pytest

from skillgym.envs.core.episode import run_episode
from skillgym.envs.core.policies import noop_policy
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.terminal import TerminalEnv
from tests.envs.episodes import assert_checks_readable, failed, play_oracle

TASKS = [spec.ref for spec in TaskCatalog.load().latest("terminal")]
SEEDS = {"bwrap": range(3), "docker": range(2)}


@pytest.fixture(scope="module", params=["bwrap", "docker"])
def env(request: pytest.FixtureRequest) -> Iterator[TerminalEnv]:
    if request.param == "docker":
        request.getfixturevalue("docker_engine")
    environment = TerminalEnv(sandbox=request.param)
    yield environment
    environment.close()


def test_there_are_at_least_fifteen_tasks():
    assert len(TASKS) >= 15


@pytest.mark.parametrize("task", TASKS)
def test_oracle_passes_every_test(env, task):
    for seed in SEEDS[env.sandbox_kind]:
        verification = play_oracle(env, task, seed)
        assert verification.score == 1.0 and verification.success, (
            seed,
            failed(verification),
        )


@pytest.mark.parametrize("task", TASKS)
def test_noop_and_verifier_shims_score_zero(env, task):
    noop = run_episode(env, noop_policy, task=task, seed=0)
    assert noop.reward == 0.0 and not noop.success
    assert_checks_readable(noop.verification)
    env.reset(seed=0, options={"task": task})
    shims = env.cheats()["shim-the-verifier"]
    result = run_episode(env, shims, task=task, seed=0)
    assert result.reward == 0.0, failed(result.verification)
