"""Bearer-token check on ``/v1/sessions`` (the routes that spend this machine's resources).

The catalogue (``/v1/envs``, ``/v1/tasks``), ``/healthz`` and the docs stay public.
A pure ASGI middleware, so the check costs one header lookup per call.
"""

from __future__ import annotations

import hmac
from typing import Any

from skillgym.envs.core.errors import ForbiddenError, UnauthorizedError
from skillgym.hub_server.errors import skillgym_error_response, status_for

PROTECTED_PREFIX = "/v1/sessions"
Message = dict[str, Any]


class TokenAuthMiddleware:
    """Answer 401 without a token and 403 with a wrong one, on HTTP and WebSocket alike."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        """Pass the call on, or refuse it."""
        if scope["type"] not in ("http", "websocket") or not scope["path"].startswith(
            PROTECTED_PREFIX
        ):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization")
        if given is not None and hmac.compare_digest(given, self._expected):
            await self.app(scope, receive, send)
            return
        error: UnauthorizedError | ForbiddenError = (
            UnauthorizedError(
                "This server requires a token: send 'Authorization: Bearer <token>' "
                "(RemoteEnv(..., token=...) or SKILLGYM_API_TOKEN)."
            )
            if given is None
            else ForbiddenError("The token sent is not this server's token.")
        )
        if scope["type"] == "websocket":
            code = 4000 + status_for(error)
            await send({"type": "websocket.close", "code": code, "reason": error.code})
            return
        await skillgym_error_response(error)(scope, receive, send)
