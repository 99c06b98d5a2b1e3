"""Blunt strategies, played through the agent's tools, score below 0.5.

Each on the current version of its task; the version before essential tests (1.0.1)
paid it 0.5 or more.
"""

from collections.abc import Iterator

import pytest

from skillgym.envs.core.episode import run_episode
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.terminal import TerminalEnv
from skillgym.envs.terminal.task_files import load_terminal_task
from tests.envs.episodes import failed

OLD = "1.0.1"


@pytest.fixture(scope="module")
def env() -> Iterator[TerminalEnv]:
    environment = TerminalEnv(sandbox="bwrap")
    yield environment
    environment.close()


def play(env: TerminalEnv, task: str, cheat: str, version: str | None = None):
    """Play the cheat ``cheat`` on ``task`` at ``version`` (default: the current one), seed 0.

    The cheat is the family's, or the current version's ``cheats/NAME.sh``.
    """
    ref = f"{task}@{version}" if version else task
    env.reset(seed=0, options={"task": ref})
    policy = env.cheats().get(cheat)
    if policy is None:  # a task cheat, written with the current version, played on another
        current = load_terminal_task(TaskCatalog.load().resolve(task))
        policy = env.script_policy(current.cheats[cheat])
    return run_episode(env, policy, task=ref, seed=0)


def failed_essentials(result) -> list[str]:
    return [c.name for c in result.verification.checks if c.essential and not c.passed]


@pytest.mark.parametrize(
    ("task", "cheat", "essential"),
    [
        (
            "terminal/runaway-processes",
            "kill-everything",
            "test_runaway_processes.py::test_the_services_were_left_alone",
        ),
        (
            "terminal/runaway-processes",
            "kill-everything-listed",
            "test_runaway_processes.py::test_the_services_were_left_alone",
        ),
        (
            "terminal/latency-report",
            "hard-coded-report",
            "test_latency.py::test_cli_on_a_log_it_has_not_seen",
        ),
        (
            "terminal/archive-checksum",
            "tar-everything",
            "test_archive.py::test_logs_caches_and_nothing_else_are_left_out",
        ),
        (
            "terminal/archive-checksum",
            "delete-then-tar",
            "test_archive.py::test_the_project_directory_is_left_as_it_was",
        ),
    ],
)
def test_a_blunt_strategy_scores_below_half_and_was_paid_before(env, task, cheat, essential):
    now = play(env, task, cheat)
    assert now.reward < 0.5 and not now.success, failed(now.verification)
    assert essential in failed_essentials(now)
    before = play(env, task, cheat, version=OLD)
    assert before.reward >= 0.5, failed(before.verification)
