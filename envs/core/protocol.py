"""The wire protocol's bodies (``/v1``), shared by the server and the clients.

These shapes are the contract with anyone else's code: add fields freely, never
rename or remove one within ``/v1``. The server validates every request body with
these models (``model_validate_json``) and writes every answer, errors included,
from them.

Example:
    >>> StepRequest.model_validate_json('{"action": "{}"}').action
    '{}'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from skillgym.envs.core.options import ResetOptions

JSONDict = dict[str, Any]


def _integral_number(value: Any) -> Any:
    # JSON Schema's "integer" is any number without a fractional part: 7.0 is 7.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Seed = Annotated[
    # the bound before the validator: after it, pydantic writes "ge" into the JSON Schema
    Annotated[int, Field(ge=0), BeforeValidator(_integral_number)] | None,
    Field(description="The episode's seed: the same seed, the same episode; null: drawn."),
]
"""A JSON integer, ``7`` or ``7.0`` (never ``"7"``, ``true`` or ``7.5``), at least 0; or null."""
Options = Annotated[
    JSONDict,
    # Checked by the session's family (its options_model), so the wire takes any object;
    # the schema shows what every family takes, and says where each family's own is.
    WithJsonSchema(
        {
            **ResetOptions.model_json_schema(),
            "title": "Options",
            "description": "Reset options, checked by the session's family. This schema is "
            "what every family takes; a family may take more: its `options_schema` in "
            "`GET /v1/envs/{name}`.",
        }
    ),
]


class _Body(BaseModel):
    # strict: a request's types are what the schema says (no "7" for 7, no true for 1)
    model_config = ConfigDict(extra="forbid", strict=True)


class EnvPublic(BaseModel):
    """One environment family as ``GET /v1/envs`` lists it and ``GET /v1/envs/{name}`` shows it."""

    name: str
    gym_id: str
    description: str
    tools: list[JSONDict]
    observation_space: JSONDict
    action_space: JSONDict
    options_schema: JSONDict = Field(
        default_factory=dict, description="JSON Schema of the family's reset options."
    )


class EnvsPublic(BaseModel):
    """``GET /v1/envs``."""

    envs: list[EnvPublic]


class TaskPublic(BaseModel):
    """One task version as ``GET /v1/tasks`` lists it."""

    id: str
    version: str
    family: str
    title: str
    difficulty: str
    tags: list[str]
    max_steps: int
    content_hash: str


class TasksPublic(BaseModel):
    """``GET /v1/tasks`` and ``GET /v1/tasks/{id}/versions``."""

    tasks: list[TaskPublic]


class SessionCreate(_Body):
    """``POST /v1/sessions``: the env family, an optional default task, seed and options."""

    env: str = Field(examples=["arithmetic"], description="The environment family.")
    task: str | None = Field(
        default=None,
        examples=["arithmetic/sum-list"],
        description='The default task, "family/name" (its newest version) or "family/name@1.0.0".',
    )
    seed: Seed = None
    options: Options = Field(default_factory=dict)


class SessionPublic(BaseModel):
    """A session as the server describes it."""

    session_id: str
    env: str
    task: str | None
    state: Literal["created", "running", "ended", "closed"] = "created"
    episode_task: str | None = None
    steps: int = 0


class SessionsPublic(BaseModel):
    """``GET /v1/sessions``: the open sessions."""

    count: int
    sessions: list[SessionPublic]


class ResetRequest(_Body):
    """``POST /v1/sessions/{id}/reset``."""

    seed: Seed = None
    options: Options = Field(default_factory=dict)


class StepRequest(_Body):
    """``POST /v1/sessions/{id}/step``: one JSON tool call, as a string."""

    action: str = Field(
        examples=['{"tool": "submit", "args": {"answer": "0"}}'],
        description="One tool call as a JSON string; a malformed one is reported in the "
        "observation's last_action_error, not refused.",
    )


class ResetResponse(BaseModel):
    """The answer to a reset: Gymnasium's ``(observation, info)``."""

    observation: dict[str, str]
    info: JSONDict


class StepResponse(BaseModel):
    """The answer to a step: Gymnasium's five-tuple, by name."""

    observation: dict[str, str]
    reward: float
    terminated: bool
    truncated: bool
    info: JSONDict


class ResetMessage(ResetRequest):
    """``{"op": "reset", ...}`` on the session WebSocket: a reset."""

    op: Literal["reset"]


class StepMessage(StepRequest):
    """``{"op": "step", "action": ...}`` on the session WebSocket: a step."""

    op: Literal["step"]


class CloseMessage(_Body):
    """``{"op": "close"}`` on the session WebSocket: close the session and the socket."""

    op: Literal["close"]


SessionMessage = Annotated[ResetMessage | StepMessage | CloseMessage, Field(discriminator="op")]
"""One message a client sends on ``WS /v1/sessions/{id}/ws``."""


class StatusPublic(BaseModel):
    """A one-word state: ``GET /healthz`` answers ``ok``, a WebSocket close ``closed``."""

    status: str


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a sentence saying what was expected."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error the server returns: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorDetail
