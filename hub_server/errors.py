"""The one place where errors become HTTP statuses and ``ErrorBody`` answers.

Every error the server sends, from a route, a middleware or the WebSocket, is written
by :func:`error_json` from the protocol's :class:`ErrorBody`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from skillgym.envs.core.errors import (
    ArtifactNotFoundError,
    BodyTooLargeError,
    EngineError,
    EnvNotFoundError,
    EpisodeStateError,
    ForbiddenError,
    RateLimitedError,
    ReplicaLostError,
    RequestError,
    RunError,
    RunNotFoundError,
    RunStateError,
    SandboxError,
    ServerFullError,
    SessionClosedError,
    SessionNotFoundError,
    SkillGymError,
    TaskError,
    TaskFormatError,
    TaskNotFoundError,
    UnauthorizedError,
)
from skillgym.envs.core.protocol import ErrorBody, ErrorDetail

logger = logging.getLogger(__name__)
Message = dict[str, Any]


class TaskNotPlayableError(TaskNotFoundError):
    """A reset names a task its session cannot play: unknown here, or another family's.

    A 409, not a 404: the session the call targets is there; what it is asked to do
    does not fit it. The code stays ``task_not_found``, so clients raise
    :class:`TaskNotFoundError` either way.
    """


STATUS_BY_ERROR: dict[type[SkillGymError], int] = {
    ArtifactNotFoundError: 404,
    RateLimitedError: 429,
    RunNotFoundError: 404,
    RunStateError: 409,
    RunError: 400,
    TaskNotPlayableError: 409,
    TaskNotFoundError: 404,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    EnvNotFoundError: 404,
    SessionNotFoundError: 404,
    SessionClosedError: 409,
    EpisodeStateError: 409,
    TaskFormatError: 422,
    TaskError: 400,
    RequestError: 422,
    BodyTooLargeError: 413,
    ServerFullError: 503,
    ReplicaLostError: 502,
    SandboxError: 503,
    EngineError: 503,
    SkillGymError: 500,
}

_CODE_BY_STATUS = {404: "not_found", 405: "method_not_allowed"}
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_MAX_SHOWN_CHARS = 200


def status_for(error: SkillGymError) -> int:
    """The HTTP status of an error: its nearest class in :data:`STATUS_BY_ERROR`."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def error_json(code: str, message: str) -> str:
    """The body of every error, HTTP and WebSocket alike: an :class:`ErrorBody` as JSON."""
    return ErrorBody(error=ErrorDetail(code=code, message=message)).model_dump_json()


def error_response(
    code: str, message: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    """An error answer; also an ASGI app, so middlewares send it the same way."""
    return Response(
        error_json(code, message), status, headers=headers, media_type="application/json"
    )


def skillgym_error_response(exc: SkillGymError) -> Response:
    """The answer to a SkillGym error, with the headers its status calls for."""
    headers: dict[str, str] = {}
    if isinstance(exc, ServerFullError | RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_s)
    elif isinstance(exc, UnauthorizedError):
        headers["WWW-Authenticate"] = "Bearer"
    status = status_for(exc)
    if status >= 500:
        logger.error("%s: %s", exc.code, exc.message)
    return error_response(exc.code, exc.message, status, headers)


def invalid_request(errors: Sequence[Any]) -> RequestError:
    """A :class:`RequestError` naming every problem pydantic found in a request.

    ``errors`` is ``ValidationError.errors()`` (or FastAPI's, whose locations start
    with where the value was: ``body``, ``query``, ``path``).
    """
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error["loc"] if p != "body") or "body"
        if error["type"] == "json_invalid":
            reason = error.get("ctx", {}).get("error", error["msg"])
            parts.append(f"expects JSON, actual text is not JSON: {reason}")
        elif error["type"] == "missing":
            parts.append(f"{where}: {error['msg']}")
        else:
            shown = repr(error.get("input"))
            if len(shown) > _MAX_SHOWN_CHARS:
                shown = shown[:_MAX_SHOWN_CHARS] + "..."
            parts.append(f"{where}: {error['msg']}, actual value: {shown}")
    return RequestError("Invalid request: " + "; ".join(parts))


def validation_failure(exc: ValidationError) -> RequestError:
    """:func:`invalid_request` for a body validated with a protocol model."""
    return invalid_request(exc.errors(include_url=False))


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves on the path of ``scope`` (the ``Allow`` of a 405).

    Starlette's own 405 names the methods of the first route on the path only, and
    ``GET`` and ``DELETE`` of one path are two routes.
    """
    return sorted(
        method
        for method in HTTP_METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer SkillGym errors, validation errors and HTTP errors with an ``ErrorBody``."""

    @app.exception_handler(SkillGymError)
    async def _skillgym_error(_request: Request, exc: SkillGymError) -> Response:
        return skillgym_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return skillgym_error_response(invalid_request(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        message = str(exc.detail)
        if exc.status_code == 400 and request.method in ("POST", "PUT", "PATCH"):
            # FastAPI's answer to a body that is not JSON (bad bytes, broken UTF-8)
            return skillgym_error_response(
                RequestError(f"Invalid request: expects JSON, actual text is not JSON ({message})")
            )
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(request.app.router.routes, request.scope))
            headers["Allow"] = allow
            message = (
                f"Expects one of {allow} on {request.url.path}, actual method: {request.method}"
            )
        elif exc.status_code == 404:
            message = f"No route {request.url.path} on this server; /docs lists them."
        code = _CODE_BY_STATUS.get(exc.status_code, "http_error")
        return error_response(code, message, exc.status_code, headers)


def internal_error_message(exc: BaseException) -> str:
    """What a 500 says: the exception's type, never its details."""
    return f"Internal error ({type(exc).__name__}); the server keeps serving other sessions."


class InternalErrorMiddleware:
    """Answer an unexpected exception with a JSON 500 and keep the connection open.

    Starlette's own outermost handler re-raises after answering, and uvicorn then drops
    the keep-alive connection, so a client's next call on it fails with a reset. This
    middleware, just inside it, answers, logs and stops the exception there.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        """Run the app; turn an exception into a 500 if no response has started."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half a response is out: only closing the connection is honest
            answer = error_response("internal_error", internal_error_message(exc), 500)
            await answer(scope, receive, send)
