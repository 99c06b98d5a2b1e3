"""Where episodes run: environment servers, found or started, and placement among them.

The replicas of a run, by family, come from :class:`StaticReplicas` (servers that already
run: ``--replica URL``) or from a :class:`~skillgym.hub_server.replicas.ReplicaPool` of
any provider (``local`` processes, ``docker`` containers, either owned by Ray actors),
started for the run and stopped at its end (also after Ctrl-C, and when the rollout
process itself dies). :class:`LocalReplicas` is the pool of ``local`` ones.
:class:`ReplicaSet` places each episode on the replica of its family with the fewest
episodes outstanding, skipping those that already failed it.

Example:
    >>> replicas = ReplicaSet({"arithmetic": ["http://a:1", "http://b:2"]})
    >>> first = replicas.acquire("arithmetic")
    >>> replicas.acquire("arithmetic") != first
    True
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from skillgym.hub_server.replicas.local import LocalProvider
from skillgym.hub_server.replicas.placement import DOWN_FOR_S, ReplicaSet
from skillgym.hub_server.replicas.pool import ReplicaPool
from skillgym.hub_server.replicas.provider import ReplicaError

__all__ = [
    "DOWN_FOR_S",
    "LocalReplicas",
    "ReplicaError",
    "ReplicaSet",
    "ReplicaSource",
    "StaticReplicas",
    "served_families",
]


class ReplicaSource(Protocol):
    """Gives a run its replicas, and takes them back."""

    def start(self, families: Sequence[str]) -> dict[str, list[str]]:
        """Server URLs by family, every family of ``families`` with at least one."""
        ...

    def stop(self) -> None:
        """Release what :meth:`start` took (stop the servers it started)."""
        ...


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


class LocalReplicas(ReplicaPool):
    """``skillgym serve`` processes on this machine, ``per_family`` for each family.

    Each process serves one family, so a slow family (a browser per episode) never
    queues another's steps. The same pool as any provider's (``ReplicaPool``), with the
    ``local`` provider.
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
        provider = LocalProvider(
            host=host, tasks_dirs=tasks_dirs, log_dir=log_dir, extra_args=extra_args
        )
        super().__init__(provider, per_family)
