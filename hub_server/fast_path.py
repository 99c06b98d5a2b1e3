"""Reset and step over HTTP without FastAPI's routing and exception layers.

They are the protocol's hot path: profiled on loopback, FastAPI's per-request stack
(routing, exception middleware, the handler machinery) cost more server time than the
environment's step. This ASGI layer answers ``POST /v1/sessions/{id}/reset|step``
itself, with the same bodies, errors and statuses as the routes in
``routes/sessions.py`` (which stay registered for the OpenAPI schema), and passes
everything else on. It sits inside the auth and body-limit middlewares.
"""

from __future__ import annotations

from typing import Any

import orjson

from skillgym.errors import ServerFullError, SkillGymError
from skillgym.hub_server import calls
from skillgym.hub_server.errors import error_body, status_for
from skillgym.hub_server.sessions import SessionManager

Message = dict[str, Any]
_PREFIX = "/v1/sessions/"


class SessionCallsFastPath:
    """Serve reset/step directly; any other request goes to the wrapped app."""

    def __init__(self, app: Any, sessions: SessionManager) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        """Answer a reset or step, or pass the request on."""
        route = self._match(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        session_id, op = route
        try:
            body = calls.decode(await _read_body(receive))
            answer = await calls.answer(self.sessions, session_id, op, body)
            await _respond(send, 200, orjson.dumps(answer))
        except SkillGymError as exc:
            headers = (
                [(b"retry-after", str(exc.retry_after_s).encode())]
                if isinstance(exc, ServerFullError)
                else []
            )
            await _respond(
                send, status_for(exc), orjson.dumps(error_body(exc.code, exc.message)), headers
            )

    @staticmethod
    def _match(scope: Message) -> tuple[str, str] | None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        path: str = scope["path"]
        if not path.startswith(_PREFIX):
            return None
        session_id, _, op = path[len(_PREFIX) :].partition("/")
        if op not in ("step", "reset") or not session_id:
            return None
        return session_id, op


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(
    send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    start_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": start_headers + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})
