"""What the sync and async remote environments share: everything that does no I/O.

Request bodies and paths, parsing answers into the protocol's models, mapping error
bodies to exception classes, and the lifecycle, which is the same in both twins:

1. **Describe.** ``GET /v1/envs/{name}`` gives the family's spaces and tools (and
   ``EnvNotFoundError`` for a wrong name). ``RemoteEnv`` does it on construction,
   because Gymnasium reads the spaces there; ``AsyncRemoteEnv`` cannot await in a
   constructor and does it on ``async with``, or at its first ``open()`` or ``reset()``.
2. **Open.** The first ``reset()`` opens the session on the server, or ``open()``
   beforehand. A client that is never reset holds no session (and none is reaped
   while its owner gets ready); ``step()`` before it is refused without a call.
3. **Close.** ``close()`` closes the session, if one was opened, then the connections;
   it is safe to call twice, and any use after it raises ``ClientClosedError``.
"""

from __future__ import annotations

import abc
import contextlib
import enum
import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, ValidationError

from skillgym.clients.config import DEFAULT_TIMEOUT, Timeout
from skillgym.clients.errors import (
    ClientClosedError,
    ClientError,
    RemoteConnectionError,
    RemoteError,
    RemoteTimeoutError,
)
from skillgym.clients.retry import (
    DEFAULT_RETRY,
    Failure,
    FailureKind,
    RetryPolicy,
    parse_retry_after,
)
from skillgym.envs.core.errors import (
    EpisodeStateError,
    RateLimitedError,
    ServerFullError,
    SessionClosedError,
    SessionNotFoundError,
    SkillGymError,
    error_class_for_code,
)
from skillgym.envs.core.protocol import (
    EnvPublic,
    ErrorBody,
    ResetMessage,
    ResetResponse,
    SessionCreate,
    SessionPublic,
    StepMessage,
    StepResponse,
)
from skillgym.envs.core.spaces import space_from_json
from skillgym.envs.core.verification import Verification

logger = logging.getLogger(__name__)
Transport = Literal["http", "websocket"]
StepResult = tuple[dict[str, str], float, bool, bool, dict[str, Any]]
HttpT = TypeVar("HttpT")
ModelT = TypeVar("ModelT", bound=BaseModel)


class Lifecycle(enum.Enum):
    """Where a client is in its life: before its session, with it, or closed."""

    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Call:
    """One call to the server, as either transport sends it.

    Attributes:
        method: The HTTP method.
        path: The path under the server's base URL.
        request: The body: one of the protocol's models; for a call the session's
            WebSocket can carry, its message model (whose ``op`` HTTP leaves out).
        repeatable: Whether the server may apply it twice without harm (a retry may).
    """

    method: str
    path: str
    request: BaseModel | None = None
    repeatable: bool = True

    @property
    def what(self) -> str:
        """The call as messages name it, e.g. ``POST /v1/sessions``."""
        return f"{self.method} {self.path}"

    @property
    def op(self) -> str | None:
        """The WebSocket op of a call the session's socket can carry, else None."""
        return self.request.op if isinstance(self.request, ResetMessage | StepMessage) else None

    def content(self) -> bytes | None:
        """The HTTP body."""
        if self.request is None:
            return None
        return self.request.model_dump_json(exclude=_SOCKET_ONLY).encode()

    def message(self) -> str:
        """The WebSocket message."""
        return "{}" if self.request is None else self.request.model_dump_json()


_SOCKET_ONLY = {"op"}


class RemoteEnvBase(Generic[HttpT], metaclass=abc.ABCMeta):
    """Bodies, paths, parsing, error mapping and lifecycle of a remote environment."""

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
        http_session: HttpT | None = None,
    ) -> None:
        """Configure the client; what it sends on construction is said by each twin.

        Args:
            base_url: The server, e.g. ``http://127.0.0.1:8000``.
            env: The environment family, e.g. ``"arithmetic"`` (``GET /v1/envs`` lists them).
            task: The default task, ``"family/name"`` or ``"family/name@1.0.0"``; a
                reset's ``options={"task": ...}`` overrides it. None: the family's first task.
            timeout: A :class:`~skillgym.clients.Timeout`, or seconds to wait for each
                answer (connecting: 5 s).
            retry: Which failed calls are tried again (see
                :class:`~skillgym.clients.RetryPolicy`).
            transport: ``"http"`` (one request per call) or ``"websocket"`` (resets and
                steps over one socket per session; ~3x less latency per step).
            token: Bearer token for a server that requires one; default
                ``$SKILLGYM_API_TOKEN``.
            http_session: An HTTP client to share between many envs (``httpx.Client``
                for ``RemoteEnv``, ``aiohttp.ClientSession`` for ``AsyncRemoteEnv``); it
                is not closed with the env. Default: one of its own.
        """
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
        self.lifecycle = Lifecycle.UNOPENED
        self.session_id: str | None = None
        self.family: EnvPublic | None = None
        """The family as the server describes it (spaces, tools), once described."""
        self.tools: list[dict[str, Any]] = []
        self._owns_http = http_session is None
        self._start(http_session)

    @abc.abstractmethod
    def _start(self, http_session: HttpT | None) -> None:
        """Each twin's own part of construction (its HTTP client, its description)."""

    # ---- calls --------------------------------------------------------------------
    def _describe_call(self) -> Call:
        return Call("GET", f"/v1/envs/{quote(self.env_name, safe='')}")

    def _create_call(self) -> Call:
        body = SessionCreate(env=self.env_name, task=self.task)
        return Call("POST", "/v1/sessions", body, repeatable=False)

    def _reset_call(self, seed: int | None, options: dict[str, Any] | None) -> Call:
        body = ResetMessage(op="reset", seed=seed, options=options or {})
        return Call("POST", f"/v1/sessions/{self.session_id}/reset", body)

    def _step_call(self, action: str) -> Call:
        body = StepMessage(op="step", action=action)
        return Call("POST", f"/v1/sessions/{self.session_id}/step", body, repeatable=False)

    def _artifact_call(self, name: str) -> Call:
        return Call("GET", f"/v1/sessions/{self.session_id}/artifacts/{quote(name, safe='')}")

    def _close_call(self) -> Call:
        return Call("DELETE", f"/v1/sessions/{self.session_id}")

    def _over_socket(self, call: Call) -> bool:
        """Whether ``call`` goes over the session's WebSocket rather than HTTP."""
        return call.op is not None and self.transport == "websocket"

    def _ws_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        path = f"{parts.path}/v1/sessions/{self.session_id}/ws"
        return urlunsplit((scheme, parts.netloc, path, "", ""))

    # ---- answers --------------------------------------------------------------------
    def _described(self, content: bytes | str) -> None:
        family = self._parse(EnvPublic, content)
        self.family = family
        self.observation_space = space_from_json(family.observation_space)
        self.action_space = space_from_json(family.action_space)
        self.tools = family.tools

    def _opened(self, content: bytes | str) -> None:
        session = self._parse(SessionPublic, content)
        self.session_id = session.session_id
        self.task = session.task
        self.lifecycle = Lifecycle.OPEN

    def _reset_result(self, content: bytes | str) -> tuple[dict[str, str], dict[str, Any]]:
        answer = self._parse(ResetResponse, content)
        return answer.observation, with_verification(answer.info)

    def _step_result(self, content: bytes | str) -> StepResult:
        answer = self._parse(StepResponse, content)
        info = with_verification(answer.info)
        return answer.observation, answer.reward, answer.terminated, answer.truncated, info

    def _parse(self, model: type[ModelT], content: bytes | str) -> ModelT:
        """``content`` as ``model``; an error body (a WebSocket's answer) raises its error."""
        try:
            return model.model_validate_json(content)
        except ValidationError:
            raise self._error_from(content, expected=f"a {model.__name__}") from None

    # ---- errors ---------------------------------------------------------------------
    def _error_from(
        self,
        content: bytes | str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
        expected: str = "an error body",
    ) -> SkillGymError:
        """The exception for an error answer of this env's server (:func:`error_from_answer`)."""
        return error_from_answer(
            content,
            base_url=self.base_url,
            status=status,
            retry_after_s=retry_after_s,
            expected=expected,
        )

    def _answered(self, status: int, content: bytes, retry_after: str | None) -> Failure:
        """An error status, and what the caller gets if it is not tried again."""
        retry_after_s = parse_retry_after(retry_after)
        error = self._error_from(content, status=status, retry_after_s=retry_after_s)
        return Failure(FailureKind.ANSWERED, error, status, retry_after_s)

    def _transport_failure(self, call: Call, kind: FailureKind, exc: BaseException) -> Failure:
        """A call that got no answer, and what the caller gets if it is not tried again."""
        if self._over_socket(call):
            what = f"{call.op} over the WebSocket of session {self.session_id}"
        else:
            what = f"{call.what} on {self.base_url}"
        if kind is FailureKind.NO_ANSWER:
            return Failure(
                kind,
                RemoteTimeoutError(
                    f"{what} got no answer within the timeout "
                    f"(connect {self.timeout.connect:g} s, read {self.timeout.read:g} s)."
                ),
            )
        applied = kind is FailureKind.DROPPED and not call.repeatable
        note = " (not retried: it may have been applied)" if applied else ""
        return Failure(
            kind, RemoteConnectionError(f"{what} failed: {type(exc).__name__}: {exc}{note}")
        )

    # ---- lifecycle --------------------------------------------------------------------
    def _check_usable(self) -> None:
        if self.lifecycle is Lifecycle.CLOSED:
            held = f"session {self.session_id}" if self.session_id else "no session"
            raise ClientClosedError(
                f"This {type(self).__name__} ({held}) is closed; make a new one."
            )

    def _check_session(self, call: str) -> None:
        self._check_usable()
        if self.lifecycle is Lifecycle.UNOPENED:
            raise EpisodeStateError(
                f"Expects reset() before {call}(); this {type(self).__name__} has no session yet."
            )

    @contextlib.contextmanager
    def _closing(self) -> Iterator[bool]:
        """Mark the client closed; yield whether a session is open to close.

        A session the server no longer has is closed already; one it cannot be told
        about is left to its idle reaper.
        """
        had_session = self.lifecycle is Lifecycle.OPEN
        self.lifecycle = Lifecycle.CLOSED
        try:
            yield had_session
        except (SessionNotFoundError, SessionClosedError):
            pass
        except (RemoteConnectionError, RemoteTimeoutError) as exc:
            logger.warning(
                "could not close session %s (the server reaps it when idle): %s",
                self.session_id,
                exc,
            )


def error_from_answer(
    content: bytes | str,
    *,
    base_url: str,
    status: int | None = None,
    retry_after_s: float | None = None,
    expected: str = "an error body",
) -> SkillGymError:
    """The exception for a server's error answer: the class its code names, else RemoteError."""
    try:
        detail = ErrorBody.model_validate_json(content).error
    except ValidationError:
        found = f" (HTTP {status})" if status else ""
        return RemoteError(
            f"Expects {expected} from {base_url}, actual value{found}: {content[:300]!r}",
            status=status or 0,
            remote_code="",
        )
    cls = error_class_for_code(detail.code)
    if cls is ServerFullError or cls is RateLimitedError:
        return cls(detail.message, retry_after_s=math.ceil(retry_after_s or 1))
    if cls is None or issubclass(cls, ClientError):
        where = f"HTTP {status}, " if status else ""
        return RemoteError(
            f"{detail.message} ({where}{detail.code})",
            status=status or 0,
            remote_code=detail.code,
        )
    return cls(detail.message)


def with_verification(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` with its ``"verification"``, when present, as a :class:`Verification`.

    Example:
        >>> info = with_verification({"verification": {"score": 1.0, "success": True, "checks": []}})
        >>> info["verification"].success
        True
    """
    verification = info.get("verification")
    if verification is not None and not isinstance(verification, Verification):
        info["verification"] = Verification.model_validate(verification)
    return info
