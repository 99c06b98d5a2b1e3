"""The one place where errors become HTTP statuses and ``{"error": {...}}`` bodies."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from skillgym.errors import (
    BodyTooLargeError,
    EnvNotFoundError,
    EpisodeStateError,
    ForbiddenError,
    RequestError,
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

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[SkillGymError], int] = {
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
    SandboxError: 500,
    SkillGymError: 500,
}

_CODE_BY_STATUS = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


def status_for(error: SkillGymError) -> int:
    """The HTTP status of an error: its nearest class in :data:`STATUS_BY_ERROR`."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The JSON body of every error."""
    return {"error": {"code": code, "message": message}}


def describe_validation_error(exc: RequestValidationError) -> str:
    """One sentence listing every problem of a request body."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"] if p != "body") or "body"
        parts.append(f"{where}: {err['msg']}")
    return "Invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Map SkillGym errors, validation errors, HTTP errors and crashes to JSON bodies."""

    @app.exception_handler(SkillGymError)
    async def _skillgym_error(_request: Request, exc: SkillGymError) -> JSONResponse:
        status = status_for(exc)
        headers = (
            {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, ServerFullError) else None
        )
        if status >= 500:
            logger.error("%s: %s", exc.code, exc.message)
        return JSONResponse(error_body(exc.code, exc.message), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body(RequestError.code, describe_validation_error(exc)), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "There was an error parsing the body"
            message = f"Expects a JSON body; {str(exc.detail).lower()}."
            return JSONResponse(error_body(RequestError.code, message), status_code=422)
        code = _CODE_BY_STATUS.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        message = f"Internal error ({type(exc).__name__}); the server keeps serving other sessions."
        return JSONResponse(error_body("internal_error", message), status_code=500)
