"""One engine per hub: SQLite (WAL) by default, PostgreSQL by URL, migrated at open.

Example:
    >>> db = Database.open("sqlite://")
    >>> db.revision() == HEAD_REVISION
    True
    >>> db.close()
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from skillgym.envs.core.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD_REVISION = "0001"
"""The newest migration; a database at it needs no upgrade (checked against Alembic in the tests)."""


def default_database_url() -> str:
    """``sqlite:///`` a file in ``$XDG_DATA_HOME/skillgym`` (``~/.local/share/skillgym``)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'skillgym' / 'hub.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never wait for the writer; NORMAL sync is durable across process
    # crashes (the WAL is fsynced at checkpoints); foreign keys are off unless asked.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """The engine and its sessions; ``Database.open(url)`` migrates the schema to the head."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Database:
        """Connect to ``url`` and bring its schema up to date.

        Raises:
            ConfigurationError: The URL is malformed or the database cannot be reached.
        """
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigurationError(
                f"Expects a database URL like sqlite:///path/hub.db or "
                f"postgresql+psycopg://user@host/db, actual value: {url!r}"
            ) from None
        args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            else:  # one in-memory database shared by every thread
                args = {"poolclass": StaticPool}
            args["connect_args"] = {"check_same_thread": False}
        else:
            args = {"pool_pre_ping": True, "pool_size": 10}
        engine = create_engine(parsed, **args)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        database = cls(engine)
        if migrate:
            try:
                database.migrate()
            except OperationalError as exc:
                engine.dispose()
                raise ConfigurationError(
                    f"Cannot open the scores database {parsed.render_as_string(hide_password=True)}: "
                    f"{exc.orig}"
                ) from None
        return database

    def revision(self) -> str | None:
        """The schema's Alembic revision; None for an empty database."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (nothing to do when it is there)."""
        if self.revision() == HEAD_REVISION:
            return  # the common case, without importing Alembic
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the block ends, rolled back if it raises."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
