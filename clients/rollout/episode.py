"""One episode over the async client: reset, the policy's turns, the verdict.

:func:`play_episode` is what a rollout worker runs for each attempt. It returns an
:class:`Attempt`: the rollout when the episode finished, else why it did not and
whether another replica may try again (an environment that failed or ran out of
time: yes; a policy that raised: no, it would raise again).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from skillgym.clients.async_remote_env import AsyncRemoteEnv
from skillgym.clients.errors import ClientError
from skillgym.clients.retry import NO_RETRY
from skillgym.clients.rollout.policy import EpisodeContext, Policy
from skillgym.clients.rollout.trajectory import Rollout, Status, Turn
from skillgym.envs.core.errors import (
    AuthError,
    EnvNotFoundError,
    RequestError,
    SkillGymError,
    TaskError,
)

SUBMIT = json.dumps({"tool": "submit", "args": {}})
"""What the rollout sends when a policy's turn budget is spent."""

NOT_RETRIED = (TaskError, EnvNotFoundError, AuthError, RequestError)
"""Errors that another replica would answer the same way."""


@dataclass(frozen=True)
class EpisodeRequest:
    """What to play: one rollout of a group."""

    family: str
    task: str
    """``family/name``."""
    version: str
    seed: int | None
    """None: the server's (a hub run's slot plays the seed the hub drew, hidden)."""
    index: int
    """The rollout's place in its group."""
    options: dict[str, Any] = field(default_factory=dict)
    deadline_s: float = 600.0
    """Seconds for the whole episode: reset, every turn, verification."""
    max_turns: int | None = None
    """Policy turns at most; then the rollout submits for the agent, and the verdict
    judges what the episode left. None: the task's own step limit."""
    transport: str = "websocket"
    token: str | None = field(default=None, repr=False)
    """The bearer token sessions are opened with (default: ``SKILLGYM_API_TOKEN``)."""


@dataclass
class Attempt:
    """The outcome of one attempt at an episode."""

    rollout: Rollout
    retryable: bool = False
    env_reusable: bool = False
    """Whether the session can play another episode (it answered every call)."""


@dataclass
class _Record:
    """What an attempt has played so far, and how long each side took."""

    request: EpisodeRequest
    policy: Policy
    replica: str
    turns: list[Turn] = field(default_factory=list)
    policy_s: float = 0.0
    env_s: float = 0.0
    started: float = field(default_factory=time.perf_counter)

    def rollout(self, status: Status, **fields: Any) -> Rollout:
        """The rollout as it stands, with ``status`` and the outcome's ``fields``."""
        return Rollout(
            index=self.request.index,
            status=status,
            turns=self.turns,
            policy=self.policy.name,
            policy_version=self.policy.version,
            policy_seconds=self.policy_s,
            env_seconds=self.env_s,
            seconds=time.perf_counter() - self.started,
            replica=self.replica,
            **fields,
        )


class PolicyFailure(Exception):
    """The policy raised: the episode says nothing about the environment."""


def session_for(
    request: EpisodeRequest, base_url: str, http_session: aiohttp.ClientSession | None = None
) -> AsyncRemoteEnv:
    """A client for episodes of ``request``'s family on ``base_url`` (reusable across tasks)."""
    return AsyncRemoteEnv(
        base_url,
        env=request.family,
        transport=request.transport,  # type: ignore[arg-type]
        retry=NO_RETRY,  # a failed replica is the rollout's to retry, elsewhere
        http_session=http_session,
        token=request.token,
    )


async def play_episode(policy: Policy, request: EpisodeRequest, env: AsyncRemoteEnv) -> Attempt:
    """Play ``request`` with ``policy`` on ``env`` (opened at its first reset), within its deadline.

    The env is not closed: a session that answered every call can reset into the next
    episode (``Attempt.env_reusable``), which saves opening one per episode.
    """
    record = _Record(request, policy, env.base_url)

    def ended(status: Status, error: str, retryable: bool) -> Attempt:
        return Attempt(record.rollout(status, error=error), retryable)

    try:
        async with asyncio.timeout(request.deadline_s):
            attempt = await _play(record, env)
            attempt.env_reusable = True
            return attempt
    except TimeoutError:
        return ended(
            Status.TIMEOUT,
            f"the episode ran past its deadline of {request.deadline_s:g} s "
            f"after {len(record.turns)} turns",
            retryable=True,
        )
    except PolicyFailure as exc:
        cause = exc.__cause__
        attempt = ended(Status.POLICY_ERROR, f"{type(cause).__name__}: {cause}", retryable=False)
        attempt.env_reusable = True  # the env answered every call it got
        return attempt
    except NOT_RETRIED as exc:  # the request itself is wrong: every replica would refuse it
        return ended(Status.ENV_ERROR, f"{type(exc).__name__}: {exc}", retryable=False)
    except (ClientError, SkillGymError, aiohttp.ClientError, OSError) as exc:
        return ended(Status.ENV_ERROR, f"{type(exc).__name__}: {exc}", retryable=True)


async def _play(record: _Record, env: AsyncRemoteEnv) -> Attempt:
    request, policy, turns = record.request, record.policy, record.turns
    task_id = f"{request.task}@{request.version}"
    clock = time.perf_counter()
    options = {**request.options, "task": task_id}
    observation, info = await env.reset(seed=request.seed, options=options)
    record.env_s += time.perf_counter() - clock
    seed = info.get("seed") if request.seed is None else request.seed
    context = EpisodeContext(
        family=request.family,
        task=request.task,
        version=request.version,
        seed=seed if isinstance(seed, int) else None,
        tools=env.tools,
        options=request.options,
    )
    try:
        agent = policy.agent(context)
    except Exception as exc:
        raise PolicyFailure from exc
    while True:
        clock = time.perf_counter()
        try:
            decision = await agent.act(observation)
        except Exception as exc:
            raise PolicyFailure from exc
        policy_s = time.perf_counter() - clock
        clock = time.perf_counter()
        next_observation, reward, terminated, truncated, info = await env.step(decision.action)
        env_s = time.perf_counter() - clock
        record.policy_s += policy_s
        record.env_s += env_s
        turns.append(
            Turn(
                observation=observation,
                **vars(decision),  # the action and what the policy produced with it
                reward=float(reward),
                last_action_error=next_observation.get("last_action_error", ""),
                policy_seconds=policy_s,
                env_seconds=env_s,
            )
        )
        observation = next_observation
        if terminated or truncated:
            break
        if request.max_turns is not None and len(turns) >= request.max_turns:
            # The turn budget is spent: submit what the episode holds (not the
            # policy's action, so no tokens and nothing to learn from in it).
            clock = time.perf_counter()
            _, reward, terminated, truncated, info = await env.step(SUBMIT)
            record.env_s += time.perf_counter() - clock
            turns.append(Turn(observation=observation, action=SUBMIT, reward=float(reward)))
            truncated = True
            break
    verification = info.get("verification")
    return Attempt(
        record.rollout(
            Status.COMPLETED,
            reward=float(reward),
            success=None if verification is None else verification.success,
            verification=verification,
            terminated=terminated,
            truncated=truncated,
        )
    )
