"""Where episodes run: environment servers, found or started, and placement among them.

A *provider* yields the replicas of a run, by family: :class:`StaticReplicas` takes
servers that already run (``--replica URL``); :class:`LocalReplicas` starts
``skillgym serve`` processes on free ports for the run and stops them at its end
(also after Ctrl-C, and, on Linux, when the rollout process itself dies).
:class:`ReplicaSet` places each episode on the replica of its family with the fewest
episodes outstanding, skipping those that already failed it.

Example:
    >>> replicas = ReplicaSet({"arithmetic": ["http://a:1", "http://b:2"]})
    >>> first = replicas.acquire("arithmetic")
    >>> replicas.acquire("arithmetic") != first
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from skillgym.envs.core.errors import SkillGymError

HEALTH_TIMEOUT_S = 60.0
DOWN_FOR_S = 10.0
"""How long a replica that failed an episode is passed over while others are up."""


class ReplicaError(SkillGymError):
    """No replica can serve what the rollout asks for (none started, none serves it)."""


class ReplicaProvider(Protocol):
    """Gives a run its replicas, and takes them back."""

    def start(self, families: Sequence[str]) -> dict[str, list[str]]:
        """Server URLs by family, every family of ``families`` with at least one."""
        ...

    def stop(self) -> None:
        """Release what :meth:`start` took (stop the servers it started)."""
        ...


class ReplicaSet:
    """Placement: the replica with the fewest outstanding episodes, among those allowed."""

    def __init__(self, urls_by_family: dict[str, list[str]]) -> None:
        self.urls_by_family = {family: list(urls) for family, urls in urls_by_family.items()}
        self.outstanding: dict[str, int] = {
            url: 0 for urls in self.urls_by_family.values() for url in urls
        }
        self.down_until: dict[str, float] = {}

    def acquire(self, family: str, exclude: Iterable[str] = ()) -> str:
        """A replica for one episode of ``family`` (count it until :meth:`release`).

        Replicas in ``exclude`` (those that already failed this episode), then those
        marked down (:meth:`mark_down`), are used only when no other serves the family.
        """
        urls = self.urls_by_family.get(family)
        if not urls:
            raise ReplicaError(
                f"No replica serves the family {family!r}; replicas serve: "
                f"{', '.join(sorted(self.urls_by_family)) or 'nothing'}."
            )
        skip = set(exclude)
        now = time.monotonic()
        candidates = (
            [u for u in urls if u not in skip and self.down_until.get(u, 0.0) <= now]
            or [u for u in urls if u not in skip]
            or urls
        )
        url = min(candidates, key=lambda u: self.outstanding[u])
        self.outstanding[url] += 1
        return url

    def release(self, url: str) -> None:
        """The episode placed on ``url`` ended (one way or another)."""
        self.outstanding[url] -= 1

    def mark_down(self, url: str, seconds: float = DOWN_FOR_S) -> None:
        """``url`` failed an episode: pass it over for ``seconds`` while others are up."""
        self.down_until[url] = time.monotonic() + seconds


def served_families(base_url: str, timeout_s: float = 10.0) -> list[str]:
    """The families the server at ``base_url`` serves (``GET /v1/envs``)."""
    url = base_url.rstrip("/") + "/v1/envs"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            body = json.load(answer)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ReplicaError(
            f"The replica {base_url} did not list its environments (GET /v1/envs): {exc}"
        ) from exc
    return [env["name"] for env in body.get("envs", [])]


class StaticReplicas:
    """Servers that already run: each serves the families it lists at ``/v1/envs``."""

    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("Expects at least one replica URL, actual value: []")
        self.urls = [u.rstrip("/") for u in urls]

    def start(self, families: Sequence[str]) -> dict[str, list[str]]:
        """Ask every server what it serves; each family needs one at least."""
        serving = {url: set(served_families(url)) for url in self.urls}
        found = {f: [u for u in self.urls if f in serving[u]] for f in families}
        missing = [f for f, urls in found.items() if not urls]
        if missing:
            raise ReplicaError(
                f"No replica serves {', '.join(missing)}: "
                + "; ".join(
                    f"{u} serves {', '.join(sorted(s)) or 'nothing'}" for u, s in serving.items()
                )
            )
        return found

    def stop(self) -> None:
        """Nothing to stop: these servers belong to someone else."""


class LocalReplicas:
    """``skillgym serve`` processes on this machine, ``per_family`` for each family.

    Each process is a whole server; the provider gives each family its own ones, so
    a slow family (a browser per episode) never queues another's steps.
    """

    def __init__(
        self,
        per_family: int = 2,
        *,
        host: str = "127.0.0.1",
        tasks_dirs: Sequence[Path] = (),
        log_dir: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        if per_family < 1:
            raise ValueError(f"Expects at least one replica per family, actual value: {per_family}")
        self.per_family = per_family
        self.host = host
        self.tasks_dirs = list(tasks_dirs)
        self.log_dir = log_dir
        self.extra_args = list(extra_args)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, families: Sequence[str]) -> dict[str, list[str]]:
        """Start the servers and wait until each answers ``/healthz``."""
        log_dir = self.log_dir or Path(tempfile.mkdtemp(prefix="skillgym-replicas-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        urls: dict[str, list[str]] = {}
        try:
            for family in families:
                for i in range(self.per_family):
                    urls.setdefault(family, []).append(self._spawn(f"{family}-{i}"))
            for url, proc in self.processes.items():
                _wait_healthy(proc, url, log_dir)
        except BaseException:
            self.stop()
            raise
        return urls

    def _spawn(self, name: str) -> str:
        from skillgym.hub_server.runner import free_port

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
            # env servers for a rollout: the scores live on a hub, not in each replica
            "--database-url",
            "none",
            *self.extra_args,
        ]
        for folder in self.tasks_dirs:
            command += ["--tasks-dir", str(folder)]
        assert self.log_dir is not None
        with open(self.log_dir / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        url = f"http://{self.host}:{port}"
        self.processes[url] = proc
        return url

    def stop(self) -> None:
        """Stop every server started (SIGTERM, then SIGKILL after 10 s)."""
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.processes.clear()


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM when the parent dies (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    os.setpgrp()  # Ctrl-C reaches the rollout, which stops the servers in order


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_dir: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ReplicaError(
                f"The replica {url} exited with code {proc.returncode} while starting; "
                f"its log is in {log_dir}."
            )
        with contextlib.suppress(urllib.error.URLError, OSError):
            with urllib.request.urlopen(url + "/healthz", timeout=1.0) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.1)
    raise ReplicaError(
        f"The replica {url} did not answer /healthz within {HEALTH_TIMEOUT_S:g} s; "
        f"its log is in {log_dir}."
    )
