"""Sessions over HTTP: create, reset, step, get, close."""

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from skillgym.envs.core.protocol import (
    ResetRequest,
    ResetResponse,
    SessionCreate,
    SessionPublic,
    StepRequest,
    StepResponse,
)
from skillgym.hub_server import calls
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


def _body_schema(model: type[BaseModel]) -> dict[str, object]:
    schema = {"application/json": {"schema": model.model_json_schema()}}
    return {"requestBody": {"required": True, "content": schema}}


# Requests to these two routes are answered by hub_server.fast_path before FastAPI's
# routing (the hot path); the routes document them in OpenAPI and run the same code.
@router.post(
    "/{session_id}/reset",
    response_model=ResetResponse,
    response_class=FastJSONResponse,
    openapi_extra=_body_schema(ResetRequest),
)
async def reset_session(session_id: str, request: Request) -> FastJSONResponse:
    """Start an episode: Gymnasium's ``reset(seed=, options=)``."""
    body = calls.decode(await request.body())
    return FastJSONResponse(
        await calls.answer(request.app.state.sessions, session_id, "reset", body)
    )


@router.post(
    "/{session_id}/step",
    response_model=StepResponse,
    response_class=FastJSONResponse,
    openapi_extra=_body_schema(StepRequest),
)
async def step_session(session_id: str, request: Request) -> FastJSONResponse:
    """One tool call: Gymnasium's ``step(action)``."""
    body = calls.decode(await request.body())
    return FastJSONResponse(
        await calls.answer(request.app.state.sessions, session_id, "step", body)
    )


@router.get(
    "/{session_id}/artifacts/{name}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def get_artifact(session_id: str, name: str, sessions: SessionsDep) -> Response:
    """A file of the session's episode as it is now, e.g. the spreadsheet's ``workbook.xlsx``."""
    session = sessions.get(session_id)
    data = await sessions.run(session, lambda: session.env.artifact(name))
    media_type = type(session.env).artifact_types.get(name, "application/octet-stream")
    disposition = f'attachment; filename="{session_id}-{name}"'
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


@router.delete("/{session_id}", status_code=204)
async def close_session(session_id: str, sessions: SessionsDep) -> Response:
    """Close a session: 204, again 204 once closed, 404 if it never existed."""
    await sessions.close(session_id)
    return Response(status_code=204)
