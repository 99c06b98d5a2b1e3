import contextlib
import itertools
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.tokens import TokenStore
from skillgym.hub_server.settings import ServerSettings
from tests.postgres_cluster import PostgresCluster, find_pg_bin

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


@pytest.fixture(scope="session")
def ray_local() -> Iterator[None]:
    """Ray on this machine, as the suite runs it: two CPUs, no dashboard."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of this test run (Debian's postgresql, installed by make setup)."""
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL is not installed: `make setup` installs Debian's postgresql")
    with PostgresCluster() as cluster:
        yield cluster


_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty scores database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database(f"test_{next(_databases)}")


@dataclass
class RunningHub:
    """A hub on loopback with a small arithmetic suite and three tokens."""

    base_url: str
    alice: str
    """submit"""
    bob: str
    """submit"""
    admin: str
    database_url: str
    tokens: TokenStore
    server: BackgroundServer

    def headers(self, token: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"} if token else {}


MINI_SUITE = """\
description: Two arithmetic tasks, for tests.
tasks: [arithmetic/sum-list@1.0.0, arithmetic/order-of-operations@1.0.0]
seeds: [0, 1]
"""


@contextlib.contextmanager
def start_hub(database_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    """A hub with the suite ``mini`` (2 tasks x 2 seeds); tokens are checked on every call."""
    tasks = tmp_path / "tasks"
    (tasks / "suites").mkdir(parents=True)
    (tasks / "suites" / "mini.yaml").write_text(MINI_SUITE)
    database = Database.open(database_url)
    tokens = TokenStore(database)
    secrets = [tokens.create(name, scopes)[1] for name, scopes in HUB_TOKENS]
    settings = ServerSettings(
        port=0,
        database_url=database_url,
        artifacts_dir=tmp_path / "artifacts",
        tasks_dir=[tasks],
        token_cache_s=0,
    )
    with BackgroundServer(settings) as server:
        yield RunningHub(server.base_url, *secrets, database_url, tokens, server)
    database.close()


HUB_TOKENS = (("alice", ["submit"]), ("bob", ["submit"]), ("root", ["admin"]))
