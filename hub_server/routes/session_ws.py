"""``WS /v1/sessions/{id}/ws``: low-latency stepping, one JSON message per call.

The client sends ``{"op": "reset", "seed": 7, "options": {}}``, ``{"op": "step",
"action": "..."}`` or ``{"op": "close"}`` (the protocol's ``SessionMessage``); the
server answers each with the body the HTTP route returns (``{"status": "closed"}`` for
close), or an ``ErrorBody``.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.websockets import WebSocketState

from skillgym.envs.core.errors import SkillGymError
from skillgym.envs.core.protocol import (
    CloseMessage,
    ResetMessage,
    SessionMessage,
    StatusPublic,
    StepMessage,
)
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.errors import error_json, internal_error_message, validation_failure
from skillgym.hub_server.sessions import Session, SessionManager

logger = logging.getLogger(__name__)
router = APIRouter(tags=["sessions"])

CLOSE_NORMAL = 1000
CLOSE_SESSION_UNKNOWN = 4404
MESSAGES: TypeAdapter[ResetMessage | StepMessage | CloseMessage] = TypeAdapter(SessionMessage)
# The adapter's core validator, called directly: TypeAdapter.validate_json's Python
# wrapper costs a third as much again per message.
VALIDATE_MESSAGE = MESSAGES.validator.validate_json
CLOSED = StatusPublic(status="closed").model_dump_json()


@router.websocket("/v1/sessions/{session_id}/ws")
async def session_websocket(websocket: WebSocket, session_id: str, sessions: SessionsDep) -> None:
    """Serve one session's calls over a WebSocket until the client closes it or goes idle."""
    await websocket.accept()
    try:
        session = sessions.get(session_id)
    except SkillGymError as exc:
        await websocket.send_text(error_json(exc.code, exc.message))
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
        received = await websocket.receive()
        if received["type"] == "websocket.disconnect":
            return
        text = received.get("text")
        try:
            # a text or a binary frame: both hold the JSON of one message
            message = VALIDATE_MESSAGE(received["bytes"] if text is None else text)
            result: BaseModel
            if isinstance(message, StepMessage):
                result = await sessions.step(session, message.action)
            elif isinstance(message, ResetMessage):
                result = await sessions.reset(session, message.seed, message.options)
            else:
                await websocket.send_text(CLOSED)
                await sessions.close(session.id)
                return
            answer = result.__pydantic_serializer__.to_json(result).decode()
        except ValidationError as exc:
            error = validation_failure(exc)
            answer = error_json(error.code, error.message)
        except SkillGymError as exc:
            answer = error_json(exc.code, exc.message)
        except Exception as exc:
            logger.exception("websocket call failed on session %s", session.id)
            answer = error_json("internal_error", internal_error_message(exc))
        await websocket.send_text(answer)
