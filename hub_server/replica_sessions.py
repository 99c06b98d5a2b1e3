"""Sessions played on replicas: the hub's sessions of a family, run by a pool of its replicas.

With a replica provider (``skillgym serve --replica-provider docker``), a session of a
replicated family holds a :class:`ReplicaEnv` instead of an environment: each reset,
step and file request is relayed to a session on one replica, the one with the fewest
sessions when it was opened. Everything above it (run slots, hidden seeds, the verdicts
the hub records, WebSockets) is the same as for an environment in the server's process:
the replica is the hub's own, started and watched by it.

Relayed calls are coroutines on the server's event loop, each session over a WebSocket of
its own to its replica. A replica that stops answering ends its sessions: the call that finds it gone fails with
``502 replica_lost``, the session is closed with that reason, and the pool replaces the
replica for the sessions that come next.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp

from skillgym.clients.async_remote_env import AsyncRemoteEnv
from skillgym.clients.config import Timeout
from skillgym.clients.errors import RemoteConnectionError, RemoteTimeoutError
from skillgym.clients.retry import RetryPolicy
from skillgym.envs.core.errors import ReplicaLostError
from skillgym.envs.core.registry import env_class
from skillgym.hub_server.replicas import Replica, ReplicaPool

if TYPE_CHECKING:
    from skillgym.hub_server.sessions import SessionManager

logger = logging.getLogger(__name__)
RELAY_READ_TIMEOUT_S = 900.0
"""How long the hub waits for a replica's answer (a terminal command may run minutes)."""
NO_RETRY = RetryPolicy(attempts=1)
"""A relayed call is not repeated: the client that made it decides, seeing the error."""


@dataclass
class _TaskRef:
    ref: str


@dataclass
class RemoteEpisode:
    """What the hub knows of the episode a replica runs (for ``GET /v1/sessions/{id}``)."""

    spec: _TaskRef
    steps: int = 0
    done: bool = False


class ReplicaEnv:
    """One session on a replica, stepped by the hub as it steps an environment.

    Its calls are coroutines on the hub's event loop, over one WebSocket per session (no
    thread per call): the session manager awaits them, one at a time per session.
    """

    blocking: ClassVar[bool] = False
    asynchronous: ClassVar[bool] = True
    artifact_types: ClassVar[dict[str, str]] = {}

    def __init__(self, replica: Replica, http: aiohttp.ClientSession) -> None:
        self.replica = replica
        self.episode: RemoteEpisode | None = None
        self.remote = AsyncRemoteEnv(
            replica.url,
            env=replica.family,
            timeout=Timeout(read=RELAY_READ_TIMEOUT_S),
            retry=NO_RETRY,
            transport="websocket",
            http_session=http,
            token="",  # the hub's replicas take no token (a Ray one's network is the cluster's)
        )

    async def open(self) -> ReplicaEnv:
        """Open the session on the replica now (a full or gone replica fails the creation)."""
        with self._relay():
            await self.remote.open()
        return self

    async def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Start an episode on the replica."""
        with self._relay():
            observation, info = await self.remote.reset(seed=seed, options=options)
        self.episode = RemoteEpisode(_TaskRef(str(info.get("task", ""))))
        return observation, info

    async def step(self, action: str) -> tuple[dict[str, str], float, bool, bool, dict[str, Any]]:
        """One action, on the replica."""
        with self._relay():
            observation, reward, terminated, truncated, info = await self.remote.step(action)
        if self.episode is not None:
            self.episode.steps += 1
            self.episode.done = terminated or truncated
        return observation, reward, terminated, truncated, info

    async def artifact(self, name: str) -> bytes:
        """A file of the episode, from the replica."""
        with self._relay():
            return await self.remote.artifact(name)

    async def close(self) -> None:
        """Close the replica's session (a gone replica has closed it already)."""
        with contextlib.suppress(Exception):
            await self.remote.close()

    @contextlib.contextmanager
    def _relay(self) -> Iterator[None]:
        try:
            yield
        except (RemoteConnectionError, RemoteTimeoutError) as exc:
            raise ReplicaLostError(
                f"The replica running this session ({self.replica.name}, {self.replica.family}) "
                f"stopped answering ({exc.message}); its episode is lost. Create a new "
                "session: the hub has replaced the replica or is replacing it."
            ) from None


@functools.cache
def replica_env_class(family: str) -> type[ReplicaEnv]:
    """The :class:`ReplicaEnv` of ``family``: it hands out the files the family does."""
    files = dict(env_class(family).artifact_types)
    return type(f"Replica{family.capitalize()}Env", (ReplicaEnv,), {"artifact_types": files})


class ReplicaSessions:
    """The families a server plays on its pool of replicas, and their sessions' placement."""

    def __init__(self, pool: ReplicaPool, families: list[str]) -> None:
        self.pool = pool
        self.families = list(families)
        self._http: aiohttp.ClientSession | None = None

    def serves(self, family: str) -> bool:
        """Whether sessions of ``family`` go to replicas."""
        return family in self.families

    def count(self, family: str) -> int:
        """How many replicas run ``family``'s sessions (0: none, the server's process does)."""
        return len(self.pool.urls().get(family, [])) if self.serves(family) else 0

    async def open(self, family: str) -> ReplicaEnv:
        """A session on the replica of ``family`` with the fewest.

        Raises:
            ReplicaLostError: The chosen replica did not answer.
        """
        if self._http is None:  # made on the server's loop, shared by every relayed session
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        url = self.pool.placement.acquire(family)
        replica = self.pool.find(url)
        try:
            if replica is None:
                raise ReplicaLostError(f"The {family} replica at {url} was just replaced; retry.")
            return await replica_env_class(family)(replica, self._http).open()
        except BaseException:
            self.pool.placement.release(url)
            raise

    def release(self, env: ReplicaEnv) -> None:
        """The session on ``env``'s replica ended."""
        self.pool.placement.release(env.replica.url)

    def start(self) -> None:
        """Launch the pool's replicas (blocking: minutes for many containers)."""
        self.pool.start(self.families)

    async def stop(self) -> None:
        """Close the connections, then remove every replica."""
        if self._http is not None:
            await self._http.close()
        await asyncio.to_thread(self.pool.stop)

    async def watch(self, manager: SessionManager) -> None:
        """Check the replicas for the server's lifetime; end the sessions of replaced ones."""
        while True:
            await asyncio.sleep(self.pool.check_interval_s)
            try:
                replaced = await asyncio.to_thread(self.pool.check)
            except Exception:
                logger.exception("checking the replicas failed; trying again")
                continue
            for gone in replaced:
                await self.end_sessions_of(manager, gone)

    async def end_sessions_of(self, manager: SessionManager, gone: Replica) -> None:
        """Close every session that ran on ``gone``, saying why."""
        for session in manager.sessions():
            if isinstance(session.env, ReplicaEnv) and session.env.replica is gone:
                await manager.close(
                    session.id,
                    f"its replica {gone.name} stopped answering and was replaced; the episode "
                    "is lost",
                )
