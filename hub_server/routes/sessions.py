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
from skillgym.hub_server.deps import PrincipalDep, SessionsDep
from skillgym.hub_server.errors import ArtifactNotFoundError
from skillgym.hub_server.model_route import ModelRoute
from skillgym.hub_server.openapi import error_responses

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


async def reset_session(
    session_id: str, body: ResetRequest, sessions: SessionsDep
) -> ResetResponse:
    """Start an episode: Gymnasium's ``reset(seed=, options=)``."""
    return await sessions.reset(sessions.get(session_id), body.seed, body.options)


async def step_session(session_id: str, body: StepRequest, sessions: SessionsDep) -> StepResponse:
    """One tool call: Gymnasium's ``step(action)``."""
    return await sessions.step(sessions.get(session_id), body.action)


async def create_session(
    body: SessionCreate, sessions: SessionsDep, principal: PrincipalDep
) -> SessionPublic:
    """Make a session holding one environment of ``env`` (503 with Retry-After when full).

    The session belongs to the token sent, if any: a run's slot is played only in a
    session of the run's submitter.
    """
    session = await sessions.create(body, owner=principal)
    return session.public()


# Registered first, in the order of how often they are called: the router tries routes in turn.
for path, endpoint, status, errors in (
    ("/{session_id}/step", step_session, 200, (404, 409, 413, 422, 503)),
    ("/{session_id}/reset", reset_session, 200, (404, 409, 413, 422, 503)),
    ("", create_session, 201, (404, 413, 422, 503)),
):
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        status_code=status,
        responses=error_responses(*errors),
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
        200: {
            "content": {"*/*": {}},
            "description": "The file, of the media type its family declares (`artifact_types`).",
        },
        **error_responses(404, 409, 422, 503),
    },
)
async def get_artifact(session_id: str, name: str, sessions: SessionsDep) -> Response:
    """A file of the session's episode as it is now, e.g. the spreadsheet's ``workbook.xlsx``."""
    session = sessions.get(session_id)
    media_types = type(session.env).artifact_types
    if name not in media_types:
        raise ArtifactNotFoundError(
            f"Unknown artifact {name!r}; the {session.family} family hands out: "
            f"{', '.join(sorted(media_types)) or 'nothing'}."
        )
    data = await sessions.run(session, lambda: session.env.artifact(name))
    media_type = media_types[name]
    disposition = f'attachment; filename="{session_id}-{name}"'
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


@router.delete("/{session_id}", status_code=204, responses=error_responses(404))
async def close_session(session_id: str, sessions: SessionsDep) -> Response:
    """Close a session: 204, again 204 once closed, 404 if it never existed."""
    await sessions.close(session_id)
    return Response(status_code=204)
