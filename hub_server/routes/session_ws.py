"""``WS /v1/sessions/{id}/ws``: low-latency stepping, one JSON message per call.

The client sends ``{"op": "reset", "seed": 7, "options": {}}``, ``{"op": "step",
"action": "..."}`` or ``{"op": "close"}``; the server answers each with the body the
HTTP route returns (``{"status": "closed"}`` for close), or ``{"error": {...}}``.
Hand-checked rather than pydantic-validated: this loop is the protocol's hot path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.errors import error_body
from skillgym.hub_server.sessions import Session, SessionManager
from starlette.websockets import WebSocketState

from skillgym.errors import RequestError, SkillGymError

logger = logging.getLogger(__name__)
router = APIRouter(tags=["sessions"])

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_SESSION_UNKNOWN = 4404


@router.websocket("/v1/sessions/{session_id}/ws")
async def session_websocket(websocket: WebSocket, session_id: str, sessions: SessionsDep) -> None:
    """Serve one session's calls over a WebSocket until the client closes it or goes idle."""
    await websocket.accept()
    try:
        session = sessions.get(session_id)
    except SkillGymError as exc:
        await websocket.send_text(orjson.dumps(error_body(exc.code, exc.message)).decode())
        await websocket.close(CLOSE_SESSION_UNKNOWN, exc.code)
        return

    async def close_socket() -> None:
        if websocket.client_state == WebSocketState.CONNECTED:
            await websocket.close(CLOSE_NORMAL, "session closed")

    session.on_close.append(close_socket)
    try:
        await _serve(websocket, session, sessions)
    except WebSocketDisconnect:
        pass
    finally:
        if close_socket in session.on_close:
            session.on_close.remove(close_socket)


async def _serve(websocket: WebSocket, session: Session, sessions: SessionManager) -> None:
    idle = sessions.settings.idle_timeout_s
    while True:
        try:
            raw = await asyncio.wait_for(websocket.receive_text(), timeout=idle)
        except TimeoutError:
            await websocket.close(CLOSE_GOING_AWAY, f"idle for {idle:g} s")
            return
        try:
            message = orjson.loads(raw)
            op = message.get("op") if isinstance(message, dict) else None
            if op == "close":
                await websocket.send_text('{"status":"closed"}')
                await sessions.close(session.id)
                return
            answer = await _dispatch(op, message, session, sessions)
        except orjson.JSONDecodeError as exc:
            answer = error_body(
                RequestError.code,
                f"Expects one JSON message per frame, actual text is not JSON: {exc}",
            )
        except SkillGymError as exc:
            answer = error_body(exc.code, exc.message)
        except Exception as exc:
            logger.exception("websocket call failed on session %s", session.id)
            answer = error_body("internal_error", f"Internal error ({type(exc).__name__}).")
        await websocket.send_text(orjson.dumps(answer).decode())


async def _dispatch(
    op: Any, message: dict[str, Any], session: Session, sessions: SessionManager
) -> dict[str, Any]:
    if op == "step":
        action = message.get("action")
        if not isinstance(action, str):
            raise RequestError(
                f'Expects "action" to be a string holding one JSON tool call, actual value: {action!r}'
            )
        return await sessions.step(sessions.get(session.id), action)
    if op == "reset":
        seed, options = message.get("seed"), message.get("options") or {}
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise RequestError(f'Expects "seed" to be an integer or null, actual value: {seed!r}')
        if not isinstance(options, dict):
            raise RequestError(f'Expects "options" to be an object, actual value: {options!r}')
        return await sessions.reset(sessions.get(session.id), seed, dict(options))
    raise RequestError(f'Expects "op" to be one of "reset", "step", "close"; actual value: {op!r}')
