"""The trajectory format: what ``skillgym rollout`` writes, one JSON line per group.

A *group* is G rollouts of one task version with one seed (GRPO compares rewards
within it). A *rollout* is one episode played by the policy: its status, reward and
verdict, and its turns. A *turn* is what the policy saw, what it answered (the chat
messages and tool calls, and, when the policy generated them, the token ids, their
logprobs and the loss mask a trainer applies), and the action the environment got.

The format is versioned (:data:`SCHEMA_VERSION`, carried by every line) and published
as JSON Schema (``docs/trajectory.schema.json``, :func:`json_schema`).

Example:
    >>> rollout = Rollout(index=0, status="completed", reward=1.0, policy="oracle")
    >>> rollout.counts_for_training
    True
"""

from __future__ import annotations

import enum
import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.core.verification import Verification

SCHEMA_VERSION: Final = "skillgym.trajectory/1"
"""The format's name and version; a change that breaks readers bumps the number."""


class Status(enum.StrEnum):
    """How a rollout ended.

    Only ``completed`` rollouts carry a reward: an environment that failed (a replica
    died, a verifier crashed) or an episode that ran out of time says nothing about the
    policy, so it is never recorded as reward 0.
    """

    COMPLETED = "completed"
    """The episode ended (terminated or truncated) and was verified."""
    ENV_ERROR = "env_error"
    """Every attempt failed on the environment's side (replica unreachable, died, 5xx)."""
    TIMEOUT = "timeout"
    """Every attempt ran past the per-episode deadline."""
    POLICY_ERROR = "policy_error"
    """The policy raised (a bug in it, or its model server failed); not retried."""


class ToolCall(BaseModel):
    """One function call as the policy produced it (arguments as its raw text)."""

    id: str | None = None
    name: str
    arguments: str = Field(description="The arguments as the model wrote them (JSON text, or not).")


class Turn(BaseModel):
    """One policy decision and the environment's answer to it."""

    model_config = ConfigDict(extra="forbid")

    observation: dict[str, str] = Field(description="What the policy was shown this turn.")
    action: str = Field(description="The action sent to the environment (one JSON tool call).")
    messages: list[dict[str, Any]] = Field(
        default_factory=list,
        description=(
            "Chat messages this turn added to the conversation, in OpenAI's format: the "
            "observation's message, then the assistant's (with its tool_calls)."
        ),
    )
    tool_calls: list[ToolCall] = Field(default_factory=list)
    prompt_token_ids: list[int] | None = Field(
        default=None, description="The whole prompt the model was given, as token ids."
    )
    completion_token_ids: list[int] | None = Field(
        default=None, description="The tokens the model generated, as it generated them."
    )
    completion_tokens: list[str] | None = Field(
        default=None,
        description="The generated tokens as text, where a server returns text, not ids.",
    )
    logprobs: list[float] | None = Field(
        default=None,
        description="Log-probability of each generated token, as the model returned it.",
    )
    loss_mask: list[int] | None = Field(
        default=None,
        description="1 for each generated token a trainer learns from, 0 for the rest.",
    )
    reward: float = Field(
        default=0.0, description="The step's reward (the verdict's score at the end)."
    )
    last_action_error: str = Field(
        default="", description="The environment's complaint about this action, if any."
    )
    policy_seconds: float = 0.0
    env_seconds: float = 0.0


class Rollout(BaseModel):
    """One episode of a group."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0, description="Position in the group, 0..G-1.")
    status: Status
    reward: float | None = Field(
        default=None, description="The verdict's score; null unless status is completed."
    )
    success: bool | None = None
    verification: Verification | None = None
    terminated: bool = False
    truncated: bool = False
    turns: list[Turn] = Field(default_factory=list)
    policy: str = Field(description="The policy's name, e.g. oracle or openai:<url>#<model>.")
    policy_version: str = Field(default="", description="What the policy says its weights are.")
    policy_seconds: float = 0.0
    env_seconds: float = 0.0
    seconds: float = Field(default=0.0, description="Wall time of the last attempt.")
    attempts: int = Field(
        default=1, ge=1, description="Attempts made (a failed replica costs one)."
    )
    replica: str = Field(default="", description="The server that played the last attempt.")
    error: str = Field(default="", description="Why it did not complete, when it did not.")

    @property
    def counts_for_training(self) -> bool:
        """Whether the rollout's reward says something about the policy."""
        return self.status is Status.COMPLETED


class Group(BaseModel):
    """G rollouts of one task version and seed: one line of a trajectory file."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal["skillgym.trajectory/1"] = SCHEMA_VERSION
    index: int = Field(ge=0, description="The group's place in the run's plan (resume key).")
    task: str = Field(description="family/name")
    version: str
    family: str
    seed: int | None = Field(description="None: the server kept it hidden (a hub run's slot).")
    options: dict[str, Any] = Field(default_factory=dict)
    rollouts: list[Rollout]
    started: int = Field(
        default=0, description="Rollouts started (more than kept when over-provisioned)."
    )
    dropped: Literal["equal_rewards"] | None = Field(
        default=None,
        description="Why a trainer should skip the group: all its rewards were equal.",
    )

    @property
    def task_id(self) -> str:
        """``family/name@version``."""
        return f"{self.task}@{self.version}"

    @property
    def rewards(self) -> list[float | None]:
        """Each rollout's reward (None where it did not complete)."""
        return [r.reward for r in self.rollouts]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one line of a trajectory file."""
    schema = Group.model_json_schema()
    schema["$id"] = "https://skillgym.dev/schemas/trajectory-1.json"
    schema["title"] = "SkillGym trajectory group (skillgym.trajectory/1)"
    return schema


def schema_text() -> str:
    """:func:`json_schema` as the text published in ``docs/trajectory.schema.json``."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
