"""What the sync and async remote environments share: everything that does no I/O."""

from __future__ import annotations

import difflib
import logging
import os
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from skillgym.clients.config import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy, Timeout
from skillgym.envs.core.spaces import space_from_json
from skillgym.errors import (
    ClientClosedError,
    EnvNotFoundError,
    RemoteConnectionError,
    RemoteError,
    RemoteTimeoutError,
    SkillGymError,
    error_class_for_code,
)

logger = logging.getLogger(__name__)
Transport = Literal["http", "websocket"]
StepResult = tuple[dict[str, str], float, bool, bool, dict[str, Any]]


class RemoteEnvBase:
    """Bodies, paths, response parsing, error mapping and lifecycle of a remote env."""

    def __init__(
        self,
        base_url: str,
        *,
        env: str,
        task: str | None = None,
        timeout: Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: Transport = "http",
        token: str | None = None,
    ) -> None:
        if transport not in ("http", "websocket"):
            raise ValueError(
                f'Expects transport "http" or "websocket", actual value: {transport!r}'
            )
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"Expects a base_url like http://127.0.0.1:8000, actual value: {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.env_name = env
        self.task = task
        self.timeout = timeout if isinstance(timeout, Timeout) else Timeout(read=float(timeout))
        self.retry = retry
        self.transport: Transport = transport
        token = token if token is not None else os.environ.get("SKILLGYM_API_TOKEN") or None
        self._headers = {"content-type": "application/json"}
        if token:
            self._headers["authorization"] = f"Bearer {token}"
        self.session_id: str | None = None
        self.tools: list[dict[str, Any]] = []
        self._closed = False

    # ---- bodies and paths ---------------------------------------------------------
    def _create_body(self) -> dict[str, Any]:
        return {"env": self.env_name, "task": self.task}

    def _session_path(self, suffix: str = "") -> str:
        return f"/v1/sessions/{self.session_id}{suffix}"

    def _ws_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return urlunsplit(
            (scheme, parts.netloc, f"{parts.path}{self._session_path('/ws')}", "", "")
        )

    @staticmethod
    def _reset_body(seed: int | None, options: dict[str, Any] | None) -> dict[str, Any]:
        return {"seed": seed, "options": options or {}}

    # ---- parsing ------------------------------------------------------------------
    def _describe(self, envs_body: dict[str, Any]) -> None:
        """Take spaces and tools from ``GET /v1/envs``."""
        for description in envs_body["envs"]:
            if description["name"] == self.env_name:
                self.observation_space = space_from_json(description["observation_space"])
                self.action_space = space_from_json(description["action_space"])
                self.tools = description["tools"]
                return
        known = [d["name"] for d in envs_body["envs"]]
        close = difflib.get_close_matches(self.env_name, known, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise EnvNotFoundError(
            f"The server at {self.base_url} has no env {self.env_name!r}; it has: {', '.join(known)}.{hint}"
        )

    def _opened(self, created: dict[str, Any]) -> None:
        self.session_id = created["session_id"]
        self.task = created.get("task", self.task)

    @staticmethod
    def _reset_result(body: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        return body["observation"], body["info"]

    @staticmethod
    def _step_result(body: dict[str, Any]) -> StepResult:
        return (
            body["observation"],
            float(body["reward"]),
            body["terminated"],
            body["truncated"],
            body["info"],
        )

    def _error_from(self, status: int, body: Any) -> SkillGymError:
        """The exception for an error answer, of the class its code names."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return RemoteError(
                f"HTTP {status} from {self.base_url}: {str(body)[:300]}",
                status=status,
                remote_code="",
            )
        code, message = str(error.get("code", "")), str(error.get("message", ""))
        cls = error_class_for_code(code)
        if cls is None or issubclass(cls, RemoteError):
            return RemoteError(
                f"{message} (HTTP {status}, {code})", status=status, remote_code=code
            )
        return cls(message)

    def _timeout_error(self, what: str) -> RemoteTimeoutError:
        return RemoteTimeoutError(
            f"{what} on {self.base_url} got no answer within the timeout "
            f"(connect {self.timeout.connect:g} s, read {self.timeout.read:g} s)."
        )

    def _connection_error(
        self, what: str, exc: Exception, *, retryable: bool
    ) -> RemoteConnectionError:
        not_retried = "" if retryable else " (not retried: it may have been applied)"
        return RemoteConnectionError(
            f"{what} on {self.base_url} failed: {type(exc).__name__}: {exc}{not_retried}"
        )

    def _close_failed(self, exc: Exception) -> None:
        logger.warning(
            "could not close session %s (the server reaps it when idle): %s", self.session_id, exc
        )

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError(
                f"This {type(self).__name__} (session {self.session_id}) is closed; make a new one."
            )
