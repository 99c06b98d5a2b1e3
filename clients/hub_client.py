"""``HubClient``: runs and the leaderboard over HTTP (the env sessions are ``RemoteEnv``'s).

Example:
    >>> hub = HubClient("http://127.0.0.1:8000", token="sgk_...")  # doctest: +SKIP
    >>> run = hub.create_run("core-v1", PolicyRef(name="my-agent", version="1"))  # doctest: +SKIP
    >>> [slot.task for slot in run.slots][:1]  # doctest: +SKIP
    ['flight/cancel-refundable@1.1.0']
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from skillgym.clients.base import error_from_answer
from skillgym.clients.errors import RemoteConnectionError
from skillgym.clients.retry import parse_retry_after
from skillgym.envs.core.protocol import (
    EpisodesAdded,
    EpisodesUpload,
    EpisodeUpload,
    LeaderboardPublic,
    PolicyRef,
    RunCreate,
    RunPublic,
    TaskScoresPublic,
)

M = TypeVar("M", bound=BaseModel)


class HubClient:
    """A hub's runs and scores: create and finish runs, upload episodes, read the board."""

    def __init__(self, base_url: str, *, token: str | None = None, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        token = token if token is not None else os.environ.get("SKILLGYM_API_TOKEN") or None
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def create_run(
        self,
        suite: str,
        policy: PolicyRef,
        *,
        verified: bool = True,
        reference: bool = False,
        episodes_per_task: int | None = None,
        episodes: list[EpisodeUpload] | None = None,
    ) -> RunPublic:
        """Start a run (``POST /v1/runs``); see :class:`RunCreate`."""
        body = RunCreate(
            suite=suite,
            policy=policy,
            verified=verified,
            reference=reference,
            episodes_per_task=episodes_per_task,
            episodes=episodes or [],
        )
        return self._call("POST", "/v1/runs", RunPublic, body)

    def run(self, run_id: str) -> RunPublic:
        """A run as the hub has it now."""
        return self._call("GET", f"/v1/runs/{run_id}", RunPublic)

    def upload(self, run_id: str, episodes: list[EpisodeUpload]) -> EpisodesAdded:
        """Append episodes played elsewhere to an unverified run."""
        return self._call(
            "POST", f"/v1/runs/{run_id}/episodes", EpisodesAdded, EpisodesUpload(episodes=episodes)
        )

    def finish(self, run_id: str) -> RunPublic:
        """End a run: the hub scores it and reveals its seeds."""
        return self._call("POST", f"/v1/runs/{run_id}/finish", RunPublic)

    def leaderboard(self, suite: str | None = None) -> LeaderboardPublic:
        """A suite's ranking (default: the suite with the latest finished run)."""
        params = {"suite": suite} if suite else None
        return self._call("GET", "/v1/leaderboard", LeaderboardPublic, params=params)

    def task_scores(self, task_id: str) -> TaskScoresPublic:
        """How runs scored on each version of a task."""
        return self._call("GET", f"/v1/tasks/{task_id}/scores", TaskScoresPublic)

    def _call(
        self,
        method: str,
        path: str,
        answer: type[M],
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
    ) -> M:
        content = body.model_dump_json(exclude_defaults=False) if body is not None else None
        try:
            response = self._http.request(
                method,
                path,
                content=content,
                params=params,
                headers={"content-type": "application/json"} if content else None,
            )
        except httpx.TransportError as exc:
            raise RemoteConnectionError(
                f"Cannot reach the hub at {self.base_url}: {type(exc).__name__}: {exc}"
            ) from None
        if response.is_success:
            return answer.model_validate_json(response.content)
        raise error_from_answer(
            response.content,
            base_url=self.base_url,
            status=response.status_code,
            retry_after_s=parse_retry_after(response.headers.get("retry-after")),
        )
