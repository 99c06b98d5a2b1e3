"""The env-worker actor: one Ray actor plays many episodes at once, as coroutines.

A worker holds the policy (shipped to it once, at creation) and one HTTP client for
all its sessions; each :meth:`EnvWorker.play` call is one attempt at one episode on
the replica the driver chose. The actor is async, so its episodes interleave on one
event loop while they wait on replicas and models; Ray restarts it after a crash,
and the driver retries the attempts the crash cost.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp

from skillgym.clients.rollout.episode import Attempt, EpisodeRequest, play_episode
from skillgym.clients.rollout.policy import Policy


class EnvWorker:
    """Plays episodes of a policy against replicas (the class Ray makes an actor of)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._http: aiohttp.ClientSession | None = None
        self.in_flight = 0
        self.played = 0

    async def play(self, request: EpisodeRequest, base_url: str) -> Attempt:
        """One attempt at ``request`` on ``base_url``."""
        if self._http is None:  # made on the actor's own event loop
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.in_flight += 1
        try:
            return await play_episode(self.policy, request, base_url, http_session=self._http)
        finally:
            self.in_flight -= 1
            self.played += 1

    async def stats(self) -> dict[str, Any]:
        """The worker's process id and counts (tests kill workers by it)."""
        return {"pid": os.getpid(), "in_flight": self.in_flight, "played": self.played}

    async def shutdown(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.close()
            self._http = None


def remote_worker_class(max_concurrency: int) -> Any:
    """:class:`EnvWorker` as a Ray actor class: async, restarted after a crash.

    ``num_cpus=0``: a worker waits on servers and models, so it takes no CPU slot from
    the model actors or the replicas Ray may also place.
    """
    import ray

    return ray.remote(
        num_cpus=0,
        max_concurrency=max_concurrency,
        max_restarts=-1,
        max_task_retries=0,  # the driver retries, on another replica
    )(EnvWorker)
