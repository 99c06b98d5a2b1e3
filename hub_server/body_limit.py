"""An ASGI middleware that answers 413 to request bodies over the limit.

A declared Content-Length over the limit is refused before anything is read. A body
without one (chunked) is read here, up to the limit, and replayed to the app: the app
itself would turn an error raised mid-read into a generic 400.
"""

from __future__ import annotations

from typing import Any

from skillgym.envs.core.errors import BodyTooLargeError
from skillgym.hub_server.errors import skillgym_error_response

Message = dict[str, Any]


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with a JSON 413."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        """Pass the request on, or answer 413."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send, int(declared))
                return
            await self.app(scope, receive, send)
            return
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, size)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Message, receive: Any, send: Any, size: int) -> None:
        error = BodyTooLargeError(
            f"Expects a request body of at most {self.max_bytes} bytes, "
            f"actual size: {size} bytes or more."
        )
        await skillgym_error_response(error)(scope, receive, send)
