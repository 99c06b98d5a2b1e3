"""Sessions over HTTP: create, reset, step, get, list, close, and a session's files.

Create, reset and step are :class:`ModelRoute` routes: validated by their protocol
model from the raw body and answered with the returned model, the protocol's hot path.
"""

from fastapi import APIRouter, Response

from skillgym.envs.core.protocol import (
    ResetRequest,
    ResetResponse,
    SessionCreate,
    SessionPublic,
    SessionsPublic,
    StepRequest,
    StepResponse,
)
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.model_route import ModelRoute
from skillgym.hub_server.openapi import error_responses

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


async def create_session(body: SessionCreate, sessions: SessionsDep) -> SessionPublic:
    """Make a session holding one environment of ``env`` (503 with Retry-After when full)."""
    session = await sessions.create(body)
    return session.public()


async def reset_session(
    session_id: str, body: ResetRequest, sessions: SessionsDep
) -> ResetResponse:
    """Start an episode: Gymnasium's ``reset(seed=, options=)``."""
    return await sessions.reset(sessions.get(session_id), body.seed, body.options)


async def step_session(session_id: str, body: StepRequest, sessions: SessionsDep) -> StepResponse:
    """One tool call: Gymnasium's ``step(action)``."""
    return await sessions.step(sessions.get(session_id), body.action)


_CALL_ERRORS = error_responses(404, 409, 413, 422, 503)
# Registered first, in the order of how often they are called: the router tries routes in turn.
router.add_api_route(
    "/{session_id}/step",
    step_session,
    methods=["POST"],
    responses=_CALL_ERRORS,
    route_class_override=ModelRoute,
)
router.add_api_route(
    "/{session_id}/reset",
    reset_session,
    methods=["POST"],
    responses=_CALL_ERRORS,
    route_class_override=ModelRoute,
)
router.add_api_route(
    "",
    create_session,
    methods=["POST"],
    status_code=201,
    responses=error_responses(404, 413, 422, 503),
    route_class_override=ModelRoute,
)


@router.get("")
async def list_sessions(sessions: SessionsDep) -> SessionsPublic:
    """The open sessions and their count."""
    return SessionsPublic(count=sessions.count, sessions=[s.public() for s in sessions.sessions()])


@router.get("/{session_id}", responses=error_responses(404, 409))
async def get_session(session_id: str, sessions: SessionsDep) -> SessionPublic:
    """One session's state."""
    return sessions.get(session_id).public()


@router.get(
    "/{session_id}/artifacts/{name}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file."},
        **error_responses(404, 409, 422, 503),
    },
)
async def get_artifact(session_id: str, name: str, sessions: SessionsDep) -> Response:
    """A file of the session's episode as it is now, e.g. the spreadsheet's ``workbook.xlsx``."""
    session = sessions.get(session_id)
    data = await sessions.run(session, lambda: session.env.artifact(name))
    media_type = type(session.env).artifact_types.get(name, "application/octet-stream")
    disposition = f'attachment; filename="{session_id}-{name}"'
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


@router.delete("/{session_id}", status_code=204, responses=error_responses(404))
async def close_session(session_id: str, sessions: SessionsDep) -> Response:
    """Close a session: 204, again 204 once closed, 404 if it never existed."""
    await sessions.close(session_id)
    return Response(status_code=204)
