"""The wire protocol's bodies (``/v1``), shared by the server and the clients.

These shapes are the contract with anyone else's code: add fields freely, never
rename or remove one within ``/v1``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JSONDict = dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnvPublic(BaseModel):
    """One environment family as ``GET /v1/envs`` lists it."""

    name: str
    gym_id: str
    description: str
    tools: list[JSONDict]
    observation_space: JSONDict
    action_space: JSONDict


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

    env: str
    task: str | None = None
    seed: int | None = None
    options: JSONDict = Field(default_factory=dict)


class SessionPublic(BaseModel):
    """A session as the server describes it."""

    session_id: str
    env: str
    task: str | None
    state: Literal["created", "running", "ended", "closed"] = "created"
    episode_task: str | None = None
    steps: int = 0


class ResetRequest(_Body):
    """``POST /v1/sessions/{id}/reset``."""

    seed: int | None = None
    options: JSONDict = Field(default_factory=dict)


class StepRequest(_Body):
    """``POST /v1/sessions/{id}/step``: one JSON tool call, as a string."""

    action: str


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


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a sentence saying what was expected."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error the server returns: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorDetail
