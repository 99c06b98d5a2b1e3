"""A throwaway PostgreSQL cluster: started in a temporary folder, reached through SQLAlchemy, gone on exit."""

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import postgres_cluster
from tests.postgres_cluster import PostgresCluster, find_pg_bin

pytestmark = pytest.mark.skipif(
    find_pg_bin() is None,
    reason="PostgreSQL is not installed (no /usr/lib/postgresql/*/bin nor initdb on PATH); "
    "`make setup` installs Debian's postgresql",
)


def accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with PostgresCluster() as running:
        yield running


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder the server's unprivileged user can enter (pytest's tmp_path is root's alone)."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        yield Path(folder)


def test_cluster_accepts_sqlalchemy_connections_and_stops_cleanly(open_dir):
    with PostgresCluster(base_dir=open_dir) as pg:
        folder, port = pg.path, pg.port
        assert pg.url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/skillgym"
        engine = sa.create_engine(pg.url)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE scores (task text, score real)"))
            connection.execute(
                sa.text("INSERT INTO scores VALUES (:task, :score)"),
                [{"task": "arithmetic/add", "score": 1.0}, {"task": "flight/book", "score": 0.5}],
            )
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT task, score FROM scores ORDER BY task"))
            assert rows.all() == [("arithmetic/add", 1.0), ("flight/book", 0.5)]
            assert connection.execute(sa.text("SHOW fsync")).scalar() == "off"
        engine.dispose()
        if os.geteuid() == 0:  # PostgreSQL refuses root: an unprivileged user owns the data
            assert pg.data_dir.stat().st_uid != 0
        assert accepts(port)
    assert not accepts(port)
    assert folder is not None and not folder.exists()
    assert list(open_dir.iterdir()) == []


def test_create_database_gives_an_empty_database_per_name(cluster):
    first = cluster.create_database("module_a")
    second = cluster.create_database("module_b")
    assert first.endswith("/module_a") and second.endswith("/module_b")
    engine = sa.create_engine(first)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE runs (id integer)"))
    engine.dispose()
    assert tables(first) == ["runs"]
    assert tables(second) == []
    assert tables(cluster.url) == []


def test_create_database_refuses_names_that_are_not_plain_identifiers(cluster):
    for name in ("Upper", "two words", 'x"; DROP DATABASE skillgym; --', ""):
        with pytest.raises(ValueError, match="not a lowercase SQL identifier"):
            cluster.create_database(name)


def test_a_server_that_cannot_start_raises_with_its_log_and_leaves_nothing(open_dir, monkeypatch):
    monkeypatch.setitem(postgres_cluster.SETTINGS, "shared_buffers", "plenty")
    with pytest.raises(RuntimeError, match="server log") as failure:
        with PostgresCluster(base_dir=open_dir):
            pass
    assert "shared_buffers" in str(failure.value)
    assert list(open_dir.iterdir()) == []


def test_find_pg_bin_gives_the_folder_with_initdb_and_pg_ctl():
    folder = find_pg_bin()
    assert folder is not None
    assert (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()
