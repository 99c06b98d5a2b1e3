"""Tokens on the way in: who a call speaks for, what it may do, and how often.

Reading is public. Writing needs a token:
- ``POST`` on ``/v1/runs...`` needs the ``submit`` scope (withdrawing a run,
  ``POST /v1/runs/{id}/withdraw``, needs ``admin``);
- ``/v1/sessions...`` (the routes that spend this machine's resources) needs a token of
  any scope when the server requires one (``SKILLGYM_API_TOKEN`` set, or
  ``require_token``); an open server still notes a token sent, so a run's sessions
  know their submitter.

A token is the server's own (``SKILLGYM_API_TOKEN``: every scope) or one made by
``skillgym tokens create``. Checked tokens are remembered for ``token_cache_s``, so the
hot path costs one dictionary lookup. Writes are rate limited per token (429 with
Retry-After). A pure ASGI middleware: the principal goes to ``scope["state"]``.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import time
from typing import Any

from skillgym.envs.core.errors import (
    AuthError,
    ForbiddenError,
    RateLimitedError,
    UnauthorizedError,
)
from skillgym.hub_server.errors import skillgym_error_response, status_for
from skillgym.hub_server.rate_limit import RateLimiter
from skillgym.hub_server.scores.tokens import Principal, TokenStore
from skillgym.hub_server.settings import ServerSettings

SESSIONS = "/v1/sessions"
RUNS = "/v1/runs"
SERVER_TOKEN = Principal("server token", frozenset({"submit", "admin"}))
Message = dict[str, Any]
_MAX_CACHED = 10_000


def needs(method: str, path: str, sessions_need_token: bool) -> str | None:
    """The scope a call needs: ``submit``, ``admin``, ``any``, or None (public)."""
    if path.startswith(RUNS) and method in ("POST", "DELETE", "PUT", "PATCH"):
        return "admin" if path.endswith("/withdraw") else "submit"
    if path.startswith(SESSIONS) and sessions_need_token:
        return "any"
    return None


def is_limited(method: str, path: str) -> bool:
    """Whether a call counts against its token's rate: writes other than playing a session."""
    if method != "POST":
        return False
    return path.startswith(RUNS) or (method == "POST" and path.rstrip("/") == SESSIONS)


class TokenAuthMiddleware:
    """Resolve the caller's token, refuse what it may not do (401/403/429), pass the rest."""

    def __init__(self, app: Any, settings: ServerSettings, tokens: TokenStore | None) -> None:
        self.app = app
        self.tokens = tokens
        self.sessions_need_token = settings.sessions_need_token
        self.cache_s = settings.token_cache_s
        secret = settings.api_token
        self._server_token = f"Bearer {secret.get_secret_value()}".encode() if secret else None
        self._cache: dict[bytes, tuple[Principal | None, float]] = {}
        self.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        """Pass the call on, or refuse it."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        method = scope.get("method", "GET")
        given = None
        if path.startswith(("/v1/sessions", "/v1/runs")):
            given = dict(scope["headers"]).get(b"authorization")
        scope_needed = needs(method, path, self.sessions_need_token)
        principal = None if given is None else await self._principal(given)
        if scope_needed is not None:
            error = self._refusal(scope_needed, given, principal)
            if error is None and principal is not None and is_limited(method, path):
                wait = self.limiter.wait_s(principal.token_id or principal.name)
                if wait > 0:
                    error = RateLimitedError(
                        f"This token sent more than {self.limiter.rate:g} writes per second "
                        f"(bursts of {self.limiter.burst:g}); retry after {math.ceil(wait)} s.",
                        retry_after_s=math.ceil(wait),
                    )
            if error is not None:
                await self._refuse(scope, receive, send, error)
                return
        if principal is not None:
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def forget(self) -> None:
        """Drop remembered tokens (after a revocation through this process)."""
        self._cache.clear()

    async def _principal(self, header: bytes) -> Principal | None:
        now = time.monotonic()
        hit = self._cache.get(header)
        if hit is not None and hit[1] > now:
            return hit[0]
        principal: Principal | None = None
        if self._server_token is not None and hmac.compare_digest(header, self._server_token):
            principal = SERVER_TOKEN
        elif self.tokens is not None and header[:7].lower() == b"bearer ":
            token = header[7:].decode("latin-1").strip()
            principal = await asyncio.to_thread(self.tokens.authenticate, token)
        if self.cache_s > 0:
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            self._cache[header] = (principal, now + self.cache_s)
        return principal

    @staticmethod
    def _refusal(needed: str, given: bytes | None, principal: Principal | None) -> AuthError | None:
        if given is None:
            return UnauthorizedError(
                "This call needs a token: send 'Authorization: Bearer <token>' "
                "(a token from `skillgym tokens create`, or the server's SKILLGYM_API_TOKEN)."
            )
        if principal is None:
            return ForbiddenError(
                "The token sent is not valid here: unknown, revoked or mistyped. "
                "Create one with `skillgym tokens create --scope submit`."
            )
        if needed != "any" and not principal.can(needed):
            return ForbiddenError(
                f"This call needs a token with the {needed!r} scope; the token sent has "
                f"{', '.join(sorted(principal.scopes))}."
            )
        return None

    @staticmethod
    async def _refuse(scope: Message, receive: Any, send: Any, error: AuthError) -> None:
        if scope["type"] == "websocket":
            code = 4000 + status_for(error)
            await send({"type": "websocket.close", "code": code, "reason": error.code})
            return
        await skillgym_error_response(error)(scope, receive, send)
