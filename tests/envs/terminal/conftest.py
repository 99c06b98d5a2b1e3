from collections.abc import Iterator
from pathlib import Path

import pytest

from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.terminal import TerminalEnv

TASK_ROOT = Path(__file__).parent / "task_root"
# Task folders written for these tests: their tests/ run only inside sandboxes.
collect_ignore_glob = ["task_root/*", "harbor_dataset/*"]


@pytest.fixture(params=["bwrap", "docker"])
def sandbox_kind(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs in both sandboxes."""
    if request.param == "docker":
        request.getfixturevalue("docker_engine")
    return str(request.param)


@pytest.fixture(scope="session")
def test_catalog() -> TaskCatalog:
    """The small tasks written for these tests."""
    return TaskCatalog.load(TASK_ROOT)


@pytest.fixture
def hello_env(sandbox_kind: str, test_catalog: TaskCatalog) -> Iterator[TerminalEnv]:
    env = TerminalEnv(task="terminal/hello-file", catalog=test_catalog, sandbox=sandbox_kind)
    yield env
    env.close()
