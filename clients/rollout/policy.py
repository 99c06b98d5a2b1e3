"""The ``Policy`` protocol every rollout runs, and the adapter for plain callables.

A policy makes one *agent* per episode (:meth:`Policy.agent`): the agent holds what
the episode needs (a conversation, an oracle's plan) and answers each observation
with a :class:`Decision`: the action for the environment and, for a language model,
the messages, tool calls, token ids and logprobs a trainer learns from.

Policies are shipped to the rollout workers (Ray actors) by pickling, so they hold
configuration and handles (a model actor, a URL), not open connections: an agent
opens what it needs on first use, in the worker.

Example:
    >>> import asyncio, json
    >>> policy = as_policy(lambda observation: json.dumps({"tool": "submit", "args": {}}))
    >>> context = EpisodeContext(family="arithmetic", task="arithmetic/sum-list",
    ...                          version="1.0.0", seed=0, tools=[])
    >>> asyncio.run(policy.agent(context).act({"instruction": "Add."})).action
    '{"tool": "submit", "args": {}}'
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from skillgym.clients.rollout.trajectory import ToolCall

Observation = dict[str, str]


@dataclass(frozen=True)
class EpisodeContext:
    """What an agent may know about its episode before the first observation."""

    family: str
    task: str
    """``family/name``."""
    version: str
    seed: int | None
    """None when the server keeps it hidden (a leaderboard run's slot)."""
    tools: list[dict[str, Any]]
    """The family's tools as OpenAI function definitions (``{"type": "function", ...}``)."""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def task_id(self) -> str:
        """``family/name@version``."""
        return f"{self.task}@{self.version}"


@dataclass
class Decision:
    """An agent's answer to one observation."""

    action: str
    """One JSON tool call for the environment (or whatever the model wrote)."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_token_ids: list[int] | None = None
    completion_token_ids: list[int] | None = None
    completion_tokens: list[str] | None = None
    logprobs: list[float] | None = None
    loss_mask: list[int] | None = None


class Agent(Protocol):
    """Plays one episode: called once per observation, in order."""

    async def act(self, observation: Observation) -> Decision:
        """The decision for ``observation``."""
        ...


@runtime_checkable
class Policy(Protocol):
    """Makes agents; ``name`` and ``version`` are recorded with every rollout.

    A policy may also have ``prepare()``: the rollout calls it once on the driver,
    after Ray is up and before the workers get the policy (a model policy starts its
    actor there).
    """

    @property
    def name(self) -> str:
        """The policy as rollouts record it, e.g. ``oracle`` or ``model:smollm2``."""
        ...

    @property
    def version(self) -> str:
        """What the policy says its weights are (a trainer's step, a file name)."""
        ...

    def agent(self, context: EpisodeContext) -> Agent:
        """A fresh agent for one episode."""
        ...


ActFn = Callable[[Observation], str] | Callable[[Observation], Awaitable[str]]


class _CallableAgent:
    def __init__(self, fn: ActFn) -> None:
        self._fn = fn

    async def act(self, observation: Observation) -> Decision:
        answer = self._fn(observation)
        if inspect.isawaitable(answer):
            answer = await answer
        if not isinstance(answer, str):
            raise TypeError(
                f"A policy callable returns the action as a str (one JSON tool call), "
                f"actual type: {type(answer).__name__}"
            )
        return Decision(action=answer)


@dataclass
class CallablePolicy:
    """A function ``observation -> action`` (sync or async) as a policy.

    A sync function runs on the worker's event loop: keep it quick, or make it async
    (``await asyncio.to_thread(...)``) when it blocks.
    """

    fn: ActFn
    name: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise TypeError(f"Expects a callable, actual type: {type(self.fn).__name__}")
        self.name = self.name or getattr(self.fn, "__qualname__", type(self.fn).__name__)

    def agent(self, context: EpisodeContext) -> Agent:
        """Every episode calls the same function."""
        return _CallableAgent(self.fn)


def as_policy(policy: Policy | ActFn) -> Policy:
    """``policy`` if it is one, else the callable wrapped as a :class:`CallablePolicy`."""
    if isinstance(policy, Policy):
        return policy
    return CallablePolicy(policy)
