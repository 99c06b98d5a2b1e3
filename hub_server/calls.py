"""Reading reset and step calls from raw JSON, for the HTTP routes and the WebSocket alike.

Hand-checked rather than pydantic-validated: these are the protocol's hot path. The
messages match what validation of ``ResetRequest``/``StepRequest`` would say.
"""

from __future__ import annotations

from typing import Any

import orjson

from skillgym.errors import RequestError
from skillgym.hub_server.sessions import SessionManager


def decode(raw: bytes | str) -> Any:
    """Parse one JSON body or message.

    Raises:
        RequestError: If it is not JSON.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"Expects a JSON body, actual text is not JSON: {exc}") from None


def _object(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise RequestError(f"Expects a JSON object, actual value: {str(body)[:200]}")
    extra = sorted(set(body) - allowed)
    if extra:
        raise RequestError(f"Unknown fields {extra}; expects only {sorted(allowed - {'op'})}.")
    return body


def step_action(body: Any) -> str:
    """The action of a step call: ``{"action": "<one JSON tool call>"}``."""
    action = _object(body, frozenset({"action", "op"})).get("action")
    if not isinstance(action, str):
        raise RequestError(
            f'Expects "action" to be a string holding one JSON tool call, actual value: {str(action)[:200]}'
        )
    return action


def reset_arguments(body: Any) -> tuple[int | None, dict[str, Any]]:
    """The seed and options of a reset call: ``{"seed": 7 | null, "options": {}}``."""
    body = _object(body, frozenset({"seed", "options", "op"}))
    seed, options = body.get("seed"), body.get("options")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise RequestError(f'Expects "seed" to be an integer or null, actual value: {seed!r}')
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise RequestError(f'Expects "options" to be an object, actual value: {str(options)[:200]}')
    return seed, dict(options)


async def answer(sessions: SessionManager, session_id: str, op: str, body: Any) -> dict[str, Any]:
    """Carry out a decoded ``reset`` or ``step`` call on a session.

    The one implementation behind the HTTP fast path, the documented routes and the
    WebSocket.
    """
    session = sessions.get(session_id)
    if op == "step":
        return await sessions.step(session, step_action(body))
    seed, options = reset_arguments(body)
    return await sessions.reset(session, seed, options)
