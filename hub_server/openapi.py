"""What the OpenAPI schema says beyond the routes' signatures: error answers and the token.

Every route lists each status it can answer with the :class:`ErrorBody` schema, so a
client generated from the schema (or a fuzzer reading it) knows every answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from skillgym.envs.core.protocol import ErrorBody
from skillgym.hub_server.auth import is_limited, needs

Responses = dict[int | str, dict[str, Any]]

ERROR_DESCRIPTIONS = {
    401: "No token where the call needs one: `Authorization: Bearer <token>` (`unauthorized`).",
    403: "A token that is unknown, revoked, without the scope the call needs, or not the "
    "run's submitter's (`forbidden`).",
    404: "What the path or a new session's body names does not exist here; `error.code` "
    "says what (`session_not_found`, `env_not_found`, `task_not_found`, `artifact_not_found`, "
    "`run_not_found`).",
    429: "The token sent more writes than its rate allows (`rate_limited`, with `Retry-After`).",
    409: "The run has ended or the slot was played (`run_state`); the session is closed (`session_closed`); the episode is not running: a step "
    "before reset or after the end (`episode_not_running`); or a reset names a task the "
    "session cannot play (`task_not_found`).",
    413: "The request body is over the server's limit (`body_too_large`).",
    422: "The request does not match its schema, or names options the family refuses "
    "(`invalid_request`).",
    503: "The server holds its maximum of sessions (`server_full`, with `Retry-After`), or an "
    "environment's sandbox or engine failed (`sandbox_error`, `engine_error`).",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again; sent when the server is full.",
        "schema": {"type": "integer"},
    }
}
AUTH_STATUSES = (401, 403)


def error_responses(*statuses: int) -> Responses:
    """The ``responses`` of a route for the error statuses it can answer."""
    responses: Responses = {}
    for status in statuses:
        responses[status] = {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]}
        if status in (429, 503):
            responses[status]["headers"] = RETRY_AFTER
    return responses


def refine_openapi(app: FastAPI, *, sessions_need_token: bool) -> None:
    """Make the app's OpenAPI schema say what its routes' signatures cannot.

    FastAPI adds to every route with parameters a 422 with its own validation error
    body; SkillGym's 422 is an :class:`ErrorBody`, listed by the routes that can answer
    it, so those are dropped. With a token, ``/v1/sessions`` declares the bearer scheme
    and its 401 and 403: the token is checked by a middleware on that path prefix (it
    guards the WebSocket too), so the schema says it for the same prefix.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                _drop_framework_validation_error(operation["responses"])
                if needs(method.upper(), path, sessions_need_token) is not None:
                    _require_token(operation, is_limited(method.upper(), path))
        components = schema.setdefault("components", {})
        for name in _FRAMEWORK_SCHEMAS:
            components.get("schemas", {}).pop(name, None)
        components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_FRAMEWORK_SCHEMAS = ("HTTPValidationError", "ValidationError")
_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}


def _drop_framework_validation_error(responses: dict[str, Any]) -> None:
    schema = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema == {"$ref": "#/components/schemas/HTTPValidationError"}:
        del responses["422"]


def _require_token(operation: dict[str, Any], limited: bool) -> None:
    operation["security"] = [{"bearer": []}]
    for status in (*AUTH_STATUSES, 429) if limited else AUTH_STATUSES:
        operation["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": _ERROR_SCHEMA}},
            **({"headers": RETRY_AFTER} if status == 429 else {}),
        }
