"""``local``: each replica a ``skillgym serve`` process on this machine, on a free port.

A process serves one family (``--families``), keeps no scores (``--database-url none``)
and dies with its owner: on Linux it is sent SIGTERM when the process that started it
exits, however that exits. Terminal episodes inside it run in bubblewrap.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

from skillgym.hub_server.replicas.provider import Replica, ReplicaProvider

_numbers = itertools.count()
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="skillgym-spawner")
"""Starts every replica process. Linux sends the parent-death signal when the *thread*
that forked the child exits, so the forking thread must live as long as the process:
a pool's short-lived launcher threads would take their replicas down with them."""


class LocalProvider(ReplicaProvider):
    """Replicas as processes; see the module's docstring.

    Args:
        host: The interface each server listens on (a Ray actor passes its node's address).
        tasks_dirs: Tasks folders every replica loads (``--tasks-dir``).
        log_dir: Where each replica's log goes; default: a new temporary folder.
        extra_args: More ``skillgym serve`` options for every replica.
        env: More environment variables for every replica.
    """

    kind: ClassVar[str] = "local"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        tasks_dirs: Sequence[Path] = (),
        log_dir: Path | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.host = host
        self.tasks_dirs = list(tasks_dirs)
        self.log_dir = log_dir
        self.extra_args = list(extra_args)
        self.env = dict(env or {})

    def launch(self, family: str) -> Replica:
        """Start ``skillgym serve --families FAMILY`` and wait for ``/healthz``."""
        from skillgym.hub_server.runner import free_port

        if self.log_dir is None:
            self.log_dir = Path(tempfile.mkdtemp(prefix="skillgym-replicas-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        name = f"{family}-{os.getpid()}-{next(_numbers)}"
        port = free_port(self.host)
        command = [
            sys.executable,
            "-c",
            "from skillgym.cli import main; main()",
            "serve",
            "--host",
            self.host,
            "--port",
            str(port),
            "--families",
            family,
            # a replica's episodes are scored by whoever drives it (a hub, a rollout)
            "--database-url",
            "none",
            "--replica-provider",
            "none",
            *self.extra_args,
        ]
        for folder in self.tasks_dirs:
            command += ["--tasks-dir", str(folder)]
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "wb") as log:
            process = _spawner.submit(
                subprocess.Popen,
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**_inherited_environment(), **self.env},
                preexec_fn=die_with_parent,
            ).result()
        url = f"http://{self.host}:{port}"
        replica = Replica(family, name, url, self.kind, handle=process)

        def gone() -> str | None:
            if process.poll() is None:
                return None
            return (
                f"it exited with code {process.returncode}; its log: {log_path}\n{_tail(log_path)}"
            )

        return self.healthy_or_removed(replica, gone=gone, what=f"{name} ({url})")

    def remove(self, replica: Replica) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        process: subprocess.Popen[bytes] = replica.handle
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def is_running(self, replica: Replica) -> bool:
        """Whether its process has not exited."""
        return replica.handle.poll() is None


OWNERS_ONLY = (
    "SKILLGYM_API_TOKEN",
    "SKILLGYM_REQUIRE_TOKEN",
    "SKILLGYM_UDS",
    "SKILLGYM_HOST",
    "SKILLGYM_PORT",
    "SKILLGYM_FAMILIES",
    "SKILLGYM_REPLICA_FAMILIES",
)
"""Settings of the process that starts replicas, which are not the replicas' own."""


def _inherited_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in OWNERS_ONLY}


def die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM when the parent dies (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    os.setpgrp()  # Ctrl-C reaches the owner, which stops its replicas in order


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""
