"""``WS /v1/sessions/{id}/ws``: low-latency stepping, one JSON message per call.

The client sends ``{"op": "reset", "seed": 7, "options": {}}``, ``{"op": "step",
"action": "..."}`` or ``{"op": "close"}``; the server answers each with the body the
HTTP route returns (``{"status": "closed"}`` for close), or ``{"error": {...}}``.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from skillgym.errors import RequestError, SkillGymError
from skillgym.hub_server import calls
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.errors import error_body, internal_error_body
from skillgym.hub_server.sessions import Session, SessionManager

logger = logging.getLogger(__name__)
router = APIRouter(tags=["sessions"])

CLOSE_NORMAL = 1000
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
    # No timeout on receive (wait_for costs a task per message): a silent client's
    # session is reaped when idle, and the reaper's close callback closes this socket;
    # uvicorn's pings end a connection whose peer is gone.
    while True:
        raw = await websocket.receive_text()
        try:
            message = calls.decode(raw)
            op = message.get("op") if isinstance(message, dict) else None
            if op == "close":
                await websocket.send_text('{"status":"closed"}')
                await sessions.close(session.id)
                return
            answer = await _dispatch(op, message, session, sessions)
        except SkillGymError as exc:
            answer = error_body(exc.code, exc.message)
        except Exception as exc:
            logger.exception("websocket call failed on session %s", session.id)
            answer = internal_error_body(exc)
        await websocket.send_text(orjson.dumps(answer).decode())


async def _dispatch(
    op: Any, message: dict[str, Any], session: Session, sessions: SessionManager
) -> dict[str, Any]:
    if op not in ("reset", "step"):
        raise RequestError(
            f'Expects "op" to be one of "reset", "step", "close"; actual value: {op!r}'
        )
    return await calls.answer(sessions, session.id, op, message)
