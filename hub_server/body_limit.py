"""An ASGI middleware that answers 413 to request bodies over the limit, before reading them."""

from __future__ import annotations

import json
from typing import Any

from skillgym.errors import BodyTooLargeError

Scope = dict[str, Any]


class BodyLimitMiddleware:
    """Refuse bodies larger than ``max_bytes``: by Content-Length at once, else while streaming."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, int(declared))
            return
        seen = 0

        async def counting_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError(self._message(seen))
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLargeError:
            await self._refuse(send, seen)

    def _message(self, size: int) -> str:
        return f"Expects a request body of at most {self.max_bytes} bytes, actual size: {size} bytes or more."

    async def _refuse(self, send: Any, size: int) -> None:
        body = json.dumps({"error": {"code": BodyTooLargeError.code, "message": self._message(size)}}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
