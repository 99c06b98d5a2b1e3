"""``RemoteEnv``: a SkillGym environment on a server, as a real ``gymnasium.Env``."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from typing import TYPE_CHECKING, Any, cast

import gymnasium as gym
import httpx

from skillgym.clients.base import Call, Lifecycle, RemoteEnvBase, StepResult
from skillgym.clients.config import default_ssl_context
from skillgym.clients.retry import Failure, FailureKind, Retries

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

logger = logging.getLogger(__name__)


class RemoteEnv(RemoteEnvBase[httpx.Client], gym.Env[dict[str, str], str]):
    """An environment served by a SkillGym server, as a real ``gymnasium.Env``.

    Construction describes the family (``GET /v1/envs/{name}``: spaces and tools);
    the first ``reset()`` opens the session, ``close()`` or the ``with`` block closes
    it. ``AsyncRemoteEnv`` is its twin for asyncio code: same arguments, same names,
    same moments, awaited.

    Example::

        with RemoteEnv("http://127.0.0.1:8000", env="arithmetic", task="arithmetic/sum-list") as env:
            obs, info = env.reset(seed=7)
            obs, reward, terminated, truncated, info = env.step('{"tool": "submit", "args": {}}')
    """

    metadata = {"render_modes": []}

    def _start(self, http_session: httpx.Client | None) -> None:
        self._http = http_session or httpx.Client(
            limits=httpx.Limits(
                max_connections=4, max_keepalive_connections=4, keepalive_expiry=30.0
            ),
            verify=default_ssl_context(),
        )
        self._request_timeout = httpx.Timeout(self.timeout.read, connect=self.timeout.connect)
        self._urls: dict[str, httpx.URL] = {}
        self._ws: ClientConnection | None = None
        self._ws_stack = contextlib.ExitStack()  # websockets wants its connect() entered
        try:
            self._described(self._call(self._describe_call()))
        except BaseException:
            self._close_http()
            raise

    def open(self) -> RemoteEnv:
        """Open the session now rather than at the first reset (e.g. to fail early)."""
        self._check_usable()
        if self.lifecycle is Lifecycle.UNOPENED:
            self._opened(self._call(self._create_call()))
        return self

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Start an episode on the server (the first one opens the session)."""
        super().reset(seed=seed)
        self.open()
        return self._reset_result(self._call(self._reset_call(seed, options)))

    def step(self, action: str) -> StepResult:
        """One tool call (sent again only if it cannot have reached the server)."""
        self._check_session("step")
        return self._step_result(self._call(self._step_call(action)))

    def artifact(self, name: str) -> bytes:
        """A file of the episode as it is now, e.g. ``env.artifact("workbook.xlsx")``."""
        self._check_session("artifact")
        return cast(bytes, self._call(self._artifact_call(name)))

    def close(self) -> None:
        """Close the session on the server and the connections; safe to call twice."""
        if self.lifecycle is Lifecycle.CLOSED:
            return
        try:
            with self._closing() as has_session:
                self._drop_ws()
                if has_session:
                    self._call(self._close_call())
        finally:
            self._close_http()

    # ---- I/O ----------------------------------------------------------------------
    def _call(self, call: Call) -> bytes | str:
        """The answer's body, after the tries the retry policy allows."""
        attempt = self._attempt_ws if self._over_socket(call) else self._attempt_http
        outcome = attempt(call)
        if not isinstance(outcome, Failure):  # the common case builds no retry state
            return outcome
        retries = Retries(self.retry, call.what, repeatable=call.repeatable)
        while isinstance(outcome, Failure):
            time.sleep(retries.wait_after(outcome))
            outcome = attempt(call)
        return outcome

    def _attempt_http(self, call: Call) -> bytes | Failure:
        try:
            response = self._http.request(
                call.method,
                self._url(call.path),
                content=call.content(),
                headers=self._headers,
                timeout=self._request_timeout,
            )
        except httpx.TransportError as exc:
            return self._transport_failure(call, _failure_kind(exc), exc)
        if response.status_code >= 400:
            retry_after = response.headers.get("retry-after")
            return self._answered(response.status_code, response.content, retry_after)
        return response.content

    def _url(self, path: str) -> httpx.URL:
        # An absolute URL built once per path skips httpx's URL merging on every call.
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = httpx.URL(self.base_url + path)
        return url

    def _attempt_ws(self, call: Call) -> str | Failure:
        if self._ws is None:
            from websockets.exceptions import InvalidHandshake, InvalidStatus
            from websockets.sync.client import connect

            try:
                self._ws = self._ws_stack.enter_context(
                    connect(
                        self._ws_url(),
                        open_timeout=self.timeout.connect,
                        max_size=None,
                        compression=None,
                        additional_headers=self._headers,
                    )
                )
            except InvalidStatus as exc:
                answer = exc.response
                retry_after = answer.headers.get("retry-after")
                return self._answered(answer.status_code, bytes(answer.body or b""), retry_after)
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                return self._transport_failure(call, FailureKind.NOT_SENT, exc)
        try:
            self._ws.send(call.message())
            return cast(str, self._ws.recv(timeout=self.timeout.read))
        except TimeoutError as exc:
            # The late answer would be read as the next call's: the socket goes.
            self._drop_ws()
            return self._transport_failure(call, FailureKind.NO_ANSWER, exc)
        except _connection_closed() as exc:
            self._drop_ws()
            return self._transport_failure(call, FailureKind.DROPPED, exc)

    def _drop_ws(self) -> None:
        self._ws = None
        self._ws_stack.close()

    def _close_http(self) -> None:
        if self._owns_http:
            self._http.close()


@functools.cache
def _connection_closed() -> type[Exception]:
    # websockets is imported on first use: HTTP-only code never loads it.
    from websockets.exceptions import ConnectionClosed

    return ConnectionClosed


def _failure_kind(exc: httpx.TransportError) -> FailureKind:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return FailureKind.NOT_SENT
    if isinstance(exc, httpx.TimeoutException):
        return FailureKind.NO_ANSWER
    return FailureKind.DROPPED
