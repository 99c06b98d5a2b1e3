"""The provider interface: something that starts env servers (replicas), one family each.

A provider knows how to *launch* one replica of a family (healthy before it returns),
*remove* it, and say cheaply whether it *is running*. Everything else (how many, which
one a session goes to, replacing one that stops answering) is the
:class:`~skillgym.hub_server.replicas.pool.ReplicaPool`'s, the same for the hub and the
rollouts whatever the provider: processes (``local``), containers (``docker``), or either
owned by Ray actors across a cluster (``ray``).
"""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from skillgym.envs.core.errors import SkillGymError

HEALTH_TIMEOUT_S = 120.0
"""How long a replica may take from launch to answering ``/healthz``."""
HEALTH_POLL_S = 0.025
"""Between tries while a replica starts: a start is timed to within this (a connection
refused on loopback costs microseconds)."""


class ReplicaError(SkillGymError):
    """A replica could not be started, reached or found (the message says which, and why)."""

    code = "replica_error"


@dataclass(eq=False)
class Replica:
    """One env server serving one family, at ``url``, as its provider started it."""

    family: str
    name: str
    url: str
    provider: str
    handle: Any = field(default=None, repr=False)
    """The provider's own record of it (a process, a container, an actor)."""
    ready_s: float = 0.0
    """Seconds from launch to its first answer to ``/healthz``."""


class ReplicaProvider(ABC):
    """Starts and stops replicas of a kind; see the module's docstring."""

    kind: ClassVar[str]

    @abstractmethod
    def launch(self, family: str) -> Replica:
        """Start one replica of ``family`` and return it once it answers ``/healthz``.

        Raises:
            ReplicaError: It could not start, or did not become healthy in time.
        """

    @abstractmethod
    def remove(self, replica: Replica) -> None:
        """Stop ``replica`` and release what it held; removing a gone one is fine."""

    @abstractmethod
    def is_running(self, replica: Replica) -> bool:
        """Whether the replica's process or container still runs (no HTTP call)."""

    def healthy_or_removed(
        self, replica: Replica, *, gone: Callable[[], str | None], what: str
    ) -> Replica:
        """``replica`` once it answers ``/healthz`` (its ``ready_s`` set), else removed.

        Raises:
            ReplicaError: It stopped, or did not answer in time (see :func:`wait_healthy`).
        """
        try:
            replica.ready_s = wait_healthy(replica.url, gone=gone, what=what)
        except BaseException:
            self.remove(replica)
            raise
        return replica

    def close(self) -> None:  # noqa: B027 (a provider with nothing of its own to release)
        """Release what the provider itself holds (after its replicas were removed)."""


def answers_health(url: str, timeout_s: float = 2.0) -> bool:
    """Whether the server at ``url`` answers ``GET /healthz`` with 200 within ``timeout_s``."""
    with contextlib.suppress(urllib.error.URLError, OSError, ValueError):
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=timeout_s) as answer:
            return answer.status == 200
    return False


def wait_healthy(
    url: str,
    *,
    gone: Callable[[], str | None],
    what: str,
    timeout_s: float = HEALTH_TIMEOUT_S,
) -> float:
    """Wait until ``url`` answers ``/healthz``; the seconds it took.

    Args:
        url: The replica's address.
        gone: Says why the replica will never answer (it exited: its log's tail), or None
            while it may still.
        what: The replica, as the error names it.
        timeout_s: How long to wait.

    Raises:
        ReplicaError: It exited, or did not answer within ``timeout_s``.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        reason = gone()
        if reason is not None:
            raise ReplicaError(f"The replica {what} stopped while starting: {reason}")
        if answers_health(url, timeout_s=1.0):
            return time.monotonic() - started
        time.sleep(HEALTH_POLL_S)
    raise ReplicaError(f"The replica {what} did not answer {url}/healthz within {timeout_s:g} s.")
