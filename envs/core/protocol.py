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
    image: str | None = Field(
        default=None,
        description="The container image that serves this family (`skillgym images build`); "
        "null for a family with none.",
    )
    replicas: int = Field(
        default=0,
        description="Replicas of this server that run the family's sessions; 0: its own process.",
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


# --- The hub's scores: runs, episodes, the leaderboard -------------------------------

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]
Count = Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_integral_number)]
UploadSeed = Annotated[int, Field(ge=0, le=2**53), BeforeValidator(_integral_number)] | None
Score = Annotated[float, Field(ge=0.0, le=1.0)]


class PolicyRef(_Body):
    """Which policy a run evaluates: a name and the version its author gives it."""

    name: Name = Field(examples=["my-agent"])
    version: Name = Field(default="unversioned", examples=["2026-12-01"])


class EpisodeUpload(_Body):
    """One episode played elsewhere, as its player reports it (kept unverified)."""

    task: str = Field(
        examples=["flight/family-trip@1.1.0"],
        description="family/name@version, pinned.",
        pattern=r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_.-]*@[0-9]+(\.[0-9]+)*$",
        max_length=300,
    )
    seed: UploadSeed = None
    reward: Score
    success: bool
    steps: Count = 0
    seconds: Annotated[float, Field(ge=0.0)] = 0.0
    verification: JSONDict = Field(default_factory=dict)


class RunCreate(_Body):
    """``POST /v1/runs``: start a run of a policy on a suite.

    A verified run (the default) gets hidden seeds; its episodes are played in the
    hub's own sessions (reset option ``run``), and the hub records each verdict itself.
    An unverified run takes episodes played elsewhere (``episodes`` here, or
    ``POST /v1/runs/{id}/episodes``) and is never ranked with verified ones.
    """

    suite: Name = Field(examples=["core-v1"])
    policy: PolicyRef
    verified: bool = True
    reference: bool = Field(
        default=False,
        description="A reference run (admin tokens only): verified, but each reset shows its "
        "seed, for baselines that need the episode's hidden truth (the oracle). Listed apart "
        "from the ranking.",
    )
    episodes_per_task: (
        Annotated[int, Field(ge=1, le=100), BeforeValidator(_integral_number)] | None
    ) = Field(
        default=None, description="Episodes (seeds) per task; default: the suite's seed count."
    )
    episodes: list[EpisodeUpload] = Field(default_factory=list, max_length=1_000)


class EpisodesUpload(_Body):
    """``POST /v1/runs/{id}/episodes``: a batch of an unverified run's episodes."""

    episodes: list[EpisodeUpload] = Field(min_length=1, max_length=1_000)


class EpisodesAdded(BaseModel):
    """The answer to an upload: how many episodes the run holds now."""

    run_id: str
    episodes: int


class RunSlotRef(_Body):
    """Reset option ``run``: play slot ``slot`` of run ``id`` (its task and hidden seed)."""

    id: str = Field(min_length=1, max_length=64)
    slot: Annotated[int, Field(ge=0)]


class RunSlot(BaseModel):
    """One episode a verified run plays: a task version (the seed stays hidden)."""

    slot: int
    task: str
    env: str
    played: bool = False


class EpisodePublic(BaseModel):
    """One recorded episode; ``seed`` is null until its run reveals the seeds."""

    slot: int
    task: str
    version: str
    family: str
    seed: int | None
    reward: float
    success: bool
    steps: int
    seconds: float
    verified: bool
    attempt: int = 1
    verification: JSONDict = Field(default_factory=dict)
    artifacts: list[str] = Field(default_factory=list)


class RunScore(BaseModel):
    """A finished run's figures: the mean with its 95% bootstrap interval."""

    episodes: int
    mean: float
    ci_low: float
    ci_high: float
    success_rate: float
    family_scores: dict[str, float]


class RunPublic(BaseModel):
    """``GET /v1/runs/{id}``: a run, its slots, its episodes, and its seeds once revealed."""

    id: str
    suite: str
    policy: PolicyRef
    submitter: str
    status: Literal["running", "finished", "withdrawn"]
    verified: bool
    reference: bool = False
    created_at: str
    finished_at: str | None = None
    seed_commitment: str | None = Field(
        default=None, description='sha256 of "<salt>:<seed>,<seed>,..." over the slots\' seeds.'
    )
    seed_salt: str | None = None
    seeds: list[int] | None = Field(default=None, description="Revealed when the run ends.")
    slots: list[RunSlot] = Field(default_factory=list)
    score: RunScore | None = None
    episodes: list[EpisodePublic] = Field(default_factory=list)


class LeaderboardEntry(BaseModel):
    """One row of a suite's leaderboard: a policy's newest finished run."""

    rank: int | None
    run_id: str
    policy: PolicyRef
    submitter: str
    verified: bool
    reference: bool = False
    finished_at: str | None
    score: RunScore


class LeaderboardPublic(BaseModel):
    """``GET /v1/leaderboard?suite=``: verified runs ranked; uploads listed apart, unranked."""

    suite: str | None
    suites: list[str]
    entries: list[LeaderboardEntry]
    unverified: list[LeaderboardEntry]
    references: list[LeaderboardEntry] = Field(
        default_factory=list,
        description="Reference runs (the oracle): verified, but played knowing the seeds; unranked.",
    )


class TaskRunScore(BaseModel):
    """How one run scored on one task version."""

    run_id: str
    policy: PolicyRef
    verified: bool
    episodes: int
    mean: float
    success_rate: float


class TaskVersionScores(BaseModel):
    """A task version and the runs that played it."""

    version: str
    runs: list[TaskRunScore]


class TaskScoresPublic(BaseModel):
    """``GET /v1/tasks/{id}/scores``: each version's scores, kept apart."""

    id: str
    versions: list[TaskVersionScores]
