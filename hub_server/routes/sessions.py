"""Sessions over HTTP: create, reset, step, get, close."""

from fastapi import APIRouter, Response
from skillgym.envs.core.protocol import (
    ResetRequest,
    ResetResponse,
    SessionCreate,
    SessionPublic,
    StepRequest,
    StepResponse,
)
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.json_response import FastJSONResponse

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.post("", status_code=201)
async def create_session(body: SessionCreate, sessions: SessionsDep) -> SessionPublic:
    """Make a session holding one environment of ``env`` (503 with Retry-After when full)."""
    session = await sessions.create(body)
    return session.public()


@router.get("")
async def list_sessions(sessions: SessionsDep) -> dict[str, object]:
    """The open sessions and their count."""
    return {"count": sessions.count, "sessions": [s.public() for s in sessions.sessions()]}


@router.get("/{session_id}")
async def get_session(session_id: str, sessions: SessionsDep) -> SessionPublic:
    """One session's state."""
    return sessions.get(session_id).public()


@router.post("/{session_id}/reset", response_model=ResetResponse, response_class=FastJSONResponse)
async def reset_session(
    session_id: str, body: ResetRequest, sessions: SessionsDep
) -> FastJSONResponse:
    """Start an episode: Gymnasium's ``reset(seed=, options=)``."""
    result = await sessions.reset(sessions.get(session_id), body.seed, dict(body.options))
    return FastJSONResponse(result)


@router.post("/{session_id}/step", response_model=StepResponse, response_class=FastJSONResponse)
async def step_session(
    session_id: str, body: StepRequest, sessions: SessionsDep
) -> FastJSONResponse:
    """One tool call: Gymnasium's ``step(action)``."""
    return FastJSONResponse(await sessions.step(sessions.get(session_id), body.action))


@router.delete("/{session_id}", status_code=204)
async def close_session(session_id: str, sessions: SessionsDep) -> Response:
    """Close a session: 204, again 204 once closed, 404 if it never existed."""
    await sessions.close(session_id)
    return Response(status_code=204)
