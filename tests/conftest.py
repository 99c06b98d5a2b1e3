import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

ROOT = Path(__file__).resolve().parents[1]
# Every server the tests start keeps its scores (the default SQLite file and artifacts,
# under $XDG_DATA_HOME) in a folder of this run, never in the home directory.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="skillgym-tests-data-")


@pytest.fixture(scope="session")
def server() -> Iterator[BackgroundServer]:
    """A real SkillGym server on loopback, shared by the tests that only need one."""
    with BackgroundServer(ServerSettings(port=0, max_sessions=512)) as running:
        yield running


@pytest.fixture(scope="session")
def base_url(server: BackgroundServer) -> str:
    return server.base_url


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """A running Docker engine with the base image: started and built here when possible."""

    def answers() -> bool:
        done = subprocess.run(["docker", "version"], capture_output=True, check=False)
        return done.returncode == 0

    if not answers():
        if os.geteuid() != 0:
            pytest.skip("the Docker engine is not running and only root can start it")
        subprocess.run(["sh", str(ROOT / "containers/docker-engine.sh")], check=True)
    subprocess.run(
        ["sh", str(ROOT / "containers/terminal/build-base.sh")], check=True, capture_output=True
    )
