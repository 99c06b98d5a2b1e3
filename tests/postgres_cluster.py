"""A throwaway PostgreSQL cluster in a temporary folder, for the tests and the benchmarks.

``with PostgresCluster() as pg:`` runs ``initdb`` and starts a server on a free loopback port
(its unix socket in the same folder), tuned for speed over durability; ``pg.url`` is a
SQLAlchemy URL for its ``skillgym`` database and ``pg.create_database(name)`` gives a fresh one.
On exit the server stops and the folder goes. As root, the server runs as the ``postgres``
user (``nobody`` if absent): PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

DATABASE = "skillgym"
SUPERUSER = "postgres"
# Tests only: nothing here has to survive a crash.
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
TIMEOUT = 60.0  # seconds, for every subprocess and wait
NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: Debian's newest version first, then PATH."""

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))

    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    for folder in [*debian, *([Path(on_path).resolve().parent] if on_path else [])]:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """A PostgreSQL server of its own in a temporary folder, started on enter and gone on exit.

    ``base_dir`` (default: the system's temporary folder) must be enterable by the server's
    user: pytest's ``tmp_path`` is not, as root. Keep it short, for the unix socket's path.
    """

    def __init__(self, base_dir: Path | None = None, timeout: float = TIMEOUT) -> None:
        self.base_dir = base_dir
        self.timeout = timeout
        self.path: Path | None = None
        self.port = 0
        self._bin: Path | None = None
        self._user: pwd.struct_passwd | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3, TCP loopback) of the ``skillgym`` database."""
        return self.url_for(DATABASE)

    def url_for(self, name: str) -> str:
        """SQLAlchemy URL of database ``name`` on this cluster (which may not exist yet)."""
        if not self.port:
            raise RuntimeError("the PostgreSQL cluster is not running")
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create the empty database ``name`` (lowercase identifier) and return its URL."""
        if not NAME.fullmatch(name):
            raise ValueError(f"database name {name!r} is not a lowercase SQL identifier")
        with self._connect("postgres") as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def start(self) -> PostgresCluster:
        """Create the cluster and start its server; on any failure, clean up and raise."""
        if self.path is not None:
            raise RuntimeError("the PostgreSQL cluster is already started")
        self._bin = find_pg_bin()
        if self._bin is None:
            raise RuntimeError(
                "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin nor on "
                "PATH): `make setup` installs Debian's postgresql"
            )
        self._user = server_user()
        self.path = Path(tempfile.mkdtemp(prefix="skillgym-pg-", dir=self.base_dir))
        try:
            if self._user is not None:
                os.chown(self.path, self._user.pw_uid, self._user.pw_gid)
            self._run(
                "initdb",
                f"--pgdata={self.data_dir}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
            for attempt in range(3):  # another process may take the free port before we do
                self.port = free_port()
                self._configure()
                try:
                    self._pg_ctl("start", "--wait", f"--log={self.log_file}")
                    break
                except RuntimeError:
                    if attempt == 2 or "could not bind" not in self._log_tail():
                        raise
            with self._connect("postgres") as connection:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and remove the folder; safe to call twice."""
        if self.path is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                try:
                    self._pg_ctl("stop", "--wait", "--mode=immediate")
                except RuntimeError:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None
            self.port = 0

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory (``PGDATA``)."""
        return self._folder() / "data"

    @property
    def log_file(self) -> Path:
        """The server's log."""
        return self._folder() / "server.log"

    def _folder(self) -> Path:
        if self.path is None:
            raise RuntimeError("the PostgreSQL cluster is not started")
        return self.path

    def _configure(self) -> None:
        settings = {
            **SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": str(self._folder()),
        }
        lines = "".join(f"{key} = '{value}'\n" for key, value in settings.items())
        # postgresql.auto.conf is read last, so its values win over postgresql.conf's.
        (self.data_dir / "postgresql.auto.conf").write_text(lines)

    def _connect(self, database: str) -> psycopg.Connection[TupleRow]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=True,
            connect_timeout=max(2, int(self.timeout)),
        )

    def _pg_ctl(self, action: str, *args: str) -> None:
        self._run(
            "pg_ctl", action, f"--pgdata={self.data_dir}", f"--timeout={int(self.timeout)}", *args
        )

    def _run(self, tool: str, *args: str) -> None:
        assert self._bin is not None
        user = self._user
        command = [str(self._bin / tool), *args]
        try:
            done = subprocess.run(
                command,
                cwd=self._folder(),
                env={**os.environ, "LC_ALL": "C"},
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout + 10,
                check=False,
            )
        except subprocess.TimeoutExpired as timeout:
            raise RuntimeError(
                f"{tool} {args[0]} took over {timeout.timeout:.0f} s\n{self._log_tail()}"
            ) from None
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                f"{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except (OSError, RuntimeError):
            return ""
        return "server log (last lines):\n" + "\n".join(tail)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)  # its children exit when the postmaster is gone
        except (OSError, ValueError, IndexError):
            pass


def server_user() -> pwd.struct_passwd | None:
    """Who runs initdb and the server: ``postgres`` (else ``nobody``) as root, else ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, with neither a postgres nor a nobody user to run as")
