"""OpenEnv's protocol on SkillGym's sessions, so OpenEnv's own client plays SkillGym.

OpenEnv's client (``openenv.core.GenericEnvClient``, async, and its ``.sync()`` twin)
takes a base URL and opens a WebSocket on ``<base URL>/ws``, keeping the URL's path.
So the base URL picks the family: ``http://127.0.0.1:8000/openenv/arithmetic`` plays
the arithmetic family on ``WS /openenv/arithmetic/ws``. Each message is JSON with a
``type``:

- ``reset``, its ``data`` the keyword arguments of the client's ``reset(**kwargs)``:
  ``seed``, ``episode_id`` and the family's reset options (``task``, ``instruction``,
  ...), so ``env.reset(seed=7, task="arithmetic/sum-list@1.0.0")``.
- ``step``, its ``data`` the action: ``{"action": "<one JSON tool call>"}`` as
  SkillGym's protocol carries it, or the tool call itself, ``{"tool": "submit",
  "args": {"answer": "4"}}``; both may hold OpenEnv's ``metadata``.
- ``state``, answered with ``type`` state: the episode id, its step count and the
  SkillGym session.
- ``close``: closes the session, then the socket; not answered (as OpenEnv's server).

A reset or a step is answered ``{"type": "observation", "data": {"observation": ...,
"reward": ..., "done": ...}}``: the observation holds the family's text fields and
``metadata``, which is SkillGym's ``info`` (the verdict in ``verification``) with
``terminated`` and ``truncated``; ``done`` is either; a reset's reward is null. A call
that fails is answered with OpenEnv's error message (``type`` error, ``data`` holding
the SkillGym error's ``code`` and ``message``), and the socket stays open.

The socket makes its SkillGym session at its first reset, so it takes a slot of
``max_sessions`` only once it plays (a full server answers that reset ``server_full``,
and the same socket may reset again later), keeps it for later resets, makes a new one
at a reset after the idle reaper closed it, and closes it with the socket. On a server
with a token, the socket needs it too: OpenEnv's client sends no headers of its own,
but it sends a URL's user info as Basic auth, so the token goes in the URL's password
(``http://openenv:<token>@host:8000/openenv/arithmetic``); a Bearer header works too.

``GET /openenv/{family}/health``, ``/metadata`` and ``/schema`` answer what OpenEnv's
tools read (``AutoEnv`` checks ``/health``). They are OpenEnv's shapes, not ``/v1``'s,
so they stay out of the OpenAPI schema.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    Tag,
    TypeAdapter,
    ValidationError,
)
from starlette.websockets import WebSocketState

import skillgym
from skillgym.envs.core.env import BASE_FIELDS
from skillgym.envs.core.errors import (
    EpisodeStateError,
    ForbiddenError,
    RequestError,
    SessionClosedError,
    SessionNotFoundError,
    SkillGymError,
    UnauthorizedError,
)
from skillgym.envs.core.protocol import (
    ErrorDetail,
    Seed,
    SessionCreate,
    SessionPublic,
    StatusPublic,
)
from skillgym.envs.core.registry import env_class, family_description
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.errors import internal_error_message, validation_failure
from skillgym.hub_server.families import served_family
from skillgym.hub_server.routes.session_ws import CLOSE_NORMAL
from skillgym.hub_server.sessions import Session, SessionManager

logger = logging.getLogger(__name__)
router = APIRouter(tags=["openenv"])

PREFIX = "/openenv/{family}"
JSONDict = dict[str, Any]

# ---------------------------------------------------------------- messages in


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ResetKwargs(BaseModel):
    """A reset's keyword arguments: the seed, an episode id, and the family's reset options."""

    # Every other keyword is a reset option, checked by the family's options model.
    model_config = ConfigDict(extra="allow", strict=True)

    seed: Seed = None
    episode_id: str | None = Field(default=None, max_length=255)

    @property
    def options(self) -> JSONDict:
        """The family's reset options: every keyword but ``seed`` and ``episode_id``."""
        return dict(self.model_extra or {})


class ActionText(_Message):
    """Step data as SkillGym's protocol carries an action: one tool call as a JSON string."""

    action: str
    metadata: JSONDict = Field(default_factory=dict)  # OpenEnv's Action field; not used


class ToolCallData(_Message):
    """Step data that is the tool call itself: ``{"tool": "submit", "args": {...}}``."""

    tool: str
    args: JSONDict = Field(default_factory=dict)
    metadata: JSONDict = Field(default_factory=dict)  # OpenEnv's Action field; not used

    def as_action(self) -> str:
        """The tool call as the JSON string a SkillGym step takes."""
        return json.dumps({"tool": self.tool, "args": self.args})


STEP_DATA_EXPECTED = (
    'Expects step data {"action": "<one JSON tool call>"} or a tool call '
    '{"tool": "<name>", "args": {...}}'
)


def _step_data_kind(data: Any) -> str | None:
    if isinstance(data, dict):
        if "action" in data:
            return "text"
        if "tool" in data:
            return "call"
    return None


StepData = Annotated[
    Annotated[ActionText, Tag("text")] | Annotated[ToolCallData, Tag("call")],
    Discriminator(
        _step_data_kind, custom_error_type="step_data", custom_error_message=STEP_DATA_EXPECTED
    ),
]


class OpenEnvReset(_Message):
    """``{"type": "reset", "data": {<reset kwargs>}}``."""

    type: Literal["reset"]
    data: ResetKwargs = Field(default_factory=ResetKwargs)


class OpenEnvStep(_Message):
    """``{"type": "step", "data": <step data>}``."""

    type: Literal["step"]
    data: StepData


class OpenEnvStateRequest(_Message):
    """``{"type": "state"}``."""

    type: Literal["state"]


class OpenEnvClose(_Message):
    """``{"type": "close"}``: close the session and the socket."""

    type: Literal["close"]


OpenEnvMessage = Annotated[
    OpenEnvReset | OpenEnvStep | OpenEnvStateRequest | OpenEnvClose,
    Field(discriminator="type"),
]
MESSAGES: TypeAdapter[OpenEnvReset | OpenEnvStep | OpenEnvStateRequest | OpenEnvClose] = (
    TypeAdapter(OpenEnvMessage)
)
VALIDATE_MESSAGE = MESSAGES.validator.validate_json
STEP_DATA: TypeAdapter[ActionText | ToolCallData] = TypeAdapter(StepData)

# ---------------------------------------------------------------- messages out


class OpenEnvResult(BaseModel):
    """What OpenEnv's client reads from a reset or a step: observation, reward, done."""

    observation: JSONDict
    reward: float | None
    done: bool


class OpenEnvState(BaseModel):
    """The socket's state: OpenEnv's ``episode_id`` and ``step_count``, and the session."""

    episode_id: str | None
    step_count: int
    session: SessionPublic | None = Field(
        description="The SkillGym session this socket plays on; null before its first reset."
    )


class ObservationAnswer(BaseModel):
    """The answer to a reset or a step."""

    type: Literal["observation"] = "observation"
    data: OpenEnvResult


class StateAnswer(BaseModel):
    """The answer to a state request."""

    type: Literal["state"] = "state"
    data: OpenEnvState


class ErrorAnswer(BaseModel):
    """The answer to a call that failed: OpenEnv's shape around SkillGym's error detail."""

    type: Literal["error"] = "error"
    data: ErrorDetail


class OpenEnvMetadata(BaseModel):
    """``GET /openenv/{family}/metadata``."""

    name: str
    description: str
    version: str


class OpenEnvSchemas(BaseModel):
    """``GET /openenv/{family}/schema``: JSON Schema of the action, observation and state."""

    action: JSONDict
    observation: JSONDict
    state: JSONDict


def error_answer(exc: SkillGymError) -> str:
    """An error as OpenEnv's client reads one, as JSON."""
    return ErrorAnswer(data=ErrorDetail(code=exc.code, message=exc.message)).model_dump_json()


def observation_answer(
    observation: dict[str, str],
    info: JSONDict,
    *,
    reward: float | None = None,
    terminated: bool = False,
    truncated: bool = False,
) -> ObservationAnswer:
    """A SkillGym reset or step as OpenEnv's answer, ``info`` in the observation's metadata."""
    metadata = {**info, "terminated": terminated, "truncated": truncated}
    return ObservationAnswer(
        data=OpenEnvResult(
            observation={**observation, "metadata": metadata},
            reward=reward,
            done=terminated or truncated,
        )
    )


# ---------------------------------------------------------------- one socket


@dataclass
class OpenEnvConnection:
    """One OpenEnv client's socket: its family and the SkillGym session it plays on."""

    family: str
    sessions: SessionManager
    session: Session | None = None
    episode_id: str | None = None
    episodes: int = 0

    async def reset(self, kwargs: ResetKwargs) -> ObservationAnswer:
        """Reset the socket's session, making one first if it has none open."""
        session = self._open_session() or await self.sessions.create(SessionCreate(env=self.family))
        self.session = session
        try:
            result = await self.sessions.reset(session, kwargs.seed, kwargs.options)
        except RequestError as exc:
            raise type(exc)(f"{exc.message} Reset also takes seed and episode_id.") from None
        self.episodes += 1
        self.episode_id = kwargs.episode_id or f"{session.id}-{self.episodes}"
        return observation_answer(result.observation, result.info)

    async def step(self, data: ActionText | ToolCallData) -> ObservationAnswer:
        """Step the socket's session once."""
        if self.session is None:
            raise EpisodeStateError(
                "Expects a reset before the first step; no episode has started on this socket."
            )
        action = data.action if isinstance(data, ActionText) else data.as_action()
        try:
            result = await self.sessions.step(self.session, action)
        except SessionClosedError as exc:
            raise SessionClosedError(f"{exc.message} Over OpenEnv, a reset makes one.") from None
        return observation_answer(
            result.observation,
            result.info,
            reward=result.reward,
            terminated=result.terminated,
            truncated=result.truncated,
        )

    def state(self) -> StateAnswer:
        """The episode id, its steps and the session, as the socket knows them."""
        public = None
        if self.session is not None:
            public = (
                self.session.public() if self._open_session() else self.session.public("closed")
            )
        return StateAnswer(
            data=OpenEnvState(
                episode_id=self.episode_id,
                step_count=public.steps if public else 0,
                session=public,
            )
        )

    async def close(self, reason: str) -> None:
        """Close the socket's session, if it has one."""
        if self.session is None:
            return
        session_id, self.session = self.session.id, None
        # Closing a closed session is fine; one the server no longer remembers is gone too.
        with contextlib.suppress(SessionNotFoundError):
            await self.sessions.close(session_id, reason)

    def _open_session(self) -> Session | None:
        if self.session is None:
            return None
        try:
            return self.sessions.get(self.session.id)
        except SkillGymError:  # closed by the idle reaper
            return None


# ---------------------------------------------------------------- refusals


def presented_token(authorization: str) -> bytes:
    """The token in an ``Authorization`` header: a Bearer token, or a Basic password."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip().encode()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).partition(b":")[2]
        except binascii.Error:
            return b""
    return b""


def auth_refusal(authorization: str | None, token: SecretStr | None) -> SkillGymError | None:
    """Why a socket may not play on a server with ``token``; None when it may."""
    if token is None:
        return None
    if authorization is None:
        return UnauthorizedError(
            "This server requires its token: put it in the base URL's password "
            "(http://openenv:<token>@host:port/openenv/<family>), which OpenEnv's client "
            "sends as Basic auth, or send 'Authorization: Bearer <token>'."
        )
    expected = token.get_secret_value().encode()
    if hmac.compare_digest(presented_token(authorization), expected):
        return None
    return ForbiddenError("The token sent is not this server's token.")


def refusal(websocket: WebSocket, family: str, sessions: SessionManager) -> SkillGymError | None:
    """Why this socket cannot play (no token, an unknown family); None when it can."""
    refused = auth_refusal(websocket.headers.get("authorization"), sessions.settings.api_token)
    if refused is not None:
        return refused
    try:
        served_family(sessions.settings, family)
    except SkillGymError as exc:
        return exc
    return None


# ---------------------------------------------------------------- routes


@router.websocket(PREFIX + "/ws")
async def openenv_websocket(websocket: WebSocket, family: str, sessions: SessionsDep) -> None:
    """Serve one OpenEnv client: reset, step, state and close on one SkillGym session."""
    await websocket.accept()
    connection = OpenEnvConnection(family, sessions)
    try:
        await _serve(websocket, connection, refusal(websocket, family, sessions))
    except WebSocketDisconnect:
        pass
    finally:
        await connection.close("its OpenEnv socket closed")
        if websocket.client_state == WebSocketState.CONNECTED:
            await websocket.close(CLOSE_NORMAL, "session closed")


async def _serve(
    websocket: WebSocket, connection: OpenEnvConnection, refused: SkillGymError | None
) -> None:
    # A refused socket stays open and answers every call with why: OpenEnv's client reads
    # an answer only after sending, so an error sent at once and a close would be lost.
    while True:
        received = await websocket.receive()
        if received["type"] == "websocket.disconnect":
            return
        text = received.get("text")
        try:
            message = VALIDATE_MESSAGE(received["bytes"] if text is None else text)
            if isinstance(message, OpenEnvClose):
                return
            answer = error_answer(refused) if refused else await _answer(connection, message)
        except ValidationError as exc:
            answer = error_answer(refused or validation_failure(exc))
        except SkillGymError as exc:
            answer = error_answer(exc)
        except Exception as exc:
            logger.exception("OpenEnv call failed on family %s", connection.family)
            answer = ErrorAnswer(
                data=ErrorDetail(code="internal_error", message=internal_error_message(exc))
            ).model_dump_json()
        await websocket.send_text(answer)


async def _answer(
    connection: OpenEnvConnection, message: OpenEnvReset | OpenEnvStep | OpenEnvStateRequest
) -> str:
    result: BaseModel
    if isinstance(message, OpenEnvStep):
        result = await connection.step(message.data)
    elif isinstance(message, OpenEnvReset):
        result = await connection.reset(message.data)
    else:
        result = connection.state()
    return result.model_dump_json()


@router.get(PREFIX + "/health", include_in_schema=False)
async def openenv_health(family: str, sessions: SessionsDep) -> StatusPublic:
    """OpenEnv's health check: 200 ``healthy`` for a family this server runs, else 404."""
    served_family(sessions.settings, family)
    return StatusPublic(status="healthy")


@router.get(PREFIX + "/metadata", include_in_schema=False)
async def openenv_metadata(family: str) -> OpenEnvMetadata:
    """The family's name and description, and SkillGym's version."""
    return OpenEnvMetadata(
        name=family, description=family_description(family), version=skillgym.__version__
    )


@router.get(PREFIX + "/schema", include_in_schema=False)
async def openenv_schema(family: str) -> OpenEnvSchemas:
    """JSON Schema of the step data, the family's observation and the socket's state."""
    fields = BASE_FIELDS + env_class(family).observation_fields
    observation = {
        "type": "object",
        "properties": {
            **{name: {"type": "string"} for name in fields},
            "metadata": {
                "type": "object",
                "description": "SkillGym's info (the verdict in verification), with "
                "terminated and truncated.",
            },
        },
        "required": [*fields, "metadata"],
    }
    action = {
        **STEP_DATA.json_schema(),
        "description": f"One tool call; GET /v1/envs/{family} lists the family's tools.",
    }
    return OpenEnvSchemas(
        action=action, observation=observation, state=OpenEnvState.model_json_schema()
    )
