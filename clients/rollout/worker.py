"""The env-worker actor: one Ray actor plays many episodes at once, as coroutines.

A worker holds the policy (shipped to it once, at creation), one HTTP client for all
its sessions, and the sessions themselves between episodes (a finished episode's
session resets into the next one on the same replica, so an episode costs no session
set-up); each :meth:`EnvWorker.play` call is one attempt at one episode on the
replica the driver chose. The actor is async, so its episodes interleave on one
event loop while they wait on replicas and models; Ray restarts it after a crash,
and the driver retries the attempts the crash cost.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import aiohttp

from skillgym.clients.async_remote_env import AsyncRemoteEnv
from skillgym.clients.rollout.episode import Attempt, EpisodeRequest, play_episode, session_for
from skillgym.clients.rollout.policy import Policy

KEEP_IDLE_S = 60.0
"""How long a session waits for its next episode (servers reap idle ones after 300 s)."""


class EnvWorker:
    """Plays episodes of a policy against replicas (the class Ray makes an actor of)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._http: aiohttp.ClientSession | None = None
        self._idle: dict[tuple[str, str, str, str], list[tuple[float, AsyncRemoteEnv]]] = {}
        """Open sessions between episodes, by (replica, family, transport, token)."""
        self.in_flight = 0
        self.played = 0

    async def play(self, request: EpisodeRequest, base_url: str) -> Attempt:
        """One attempt at ``request`` on ``base_url``, on a session the worker keeps open."""
        if self._http is None:  # made on the actor's own event loop
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        key = (base_url, request.family, request.transport, request.token or "")
        idle = self._idle.setdefault(key, [])
        env = None
        while idle and env is None:
            parked, candidate = idle.pop()
            if time.monotonic() - parked < KEEP_IDLE_S:
                env = candidate
            else:  # the server may have reaped it by now
                with contextlib.suppress(Exception):
                    await candidate.close()
        env = env or session_for(request, base_url, self._http)
        self.in_flight += 1
        attempt = None
        try:
            attempt = await play_episode(self.policy, request, env)
            return attempt
        finally:
            self.in_flight -= 1
            self.played += 1
            if attempt is not None and attempt.env_reusable:
                idle.append((time.monotonic(), env))
            else:  # failed, timed out or cancelled: the session goes
                with contextlib.suppress(Exception):
                    await env.close()

    async def stats(self) -> dict[str, Any]:
        """The worker's process id and counts (tests kill workers by it)."""
        return {"pid": os.getpid(), "in_flight": self.in_flight, "played": self.played}

    async def shutdown(self) -> None:
        """Close the sessions kept open and the HTTP client."""
        for envs in self._idle.values():
            for _, env in envs:
                with contextlib.suppress(Exception):
                    await env.close()
        self._idle.clear()
        if self._http is not None:
            await self._http.close()
            self._http = None


def remote_worker_class(max_concurrency: int) -> Any:
    """:class:`EnvWorker` as a Ray actor class: async, restarted after a crash.

    ``num_cpus=0``: a worker waits on servers and models, so it takes no CPU slot from
    the model actors or the replicas Ray may also place.
    """
    import ray

    return ray.remote(  # type: ignore[call-overload]
        num_cpus=0,
        max_concurrency=max_concurrency,
        max_restarts=-1,
        max_task_retries=0,  # the driver retries, on another replica
    )(EnvWorker)
