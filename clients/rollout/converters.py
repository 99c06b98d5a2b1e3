"""Trajectory groups in the shapes trainers consume: verl, SkyRL, TRL.

Only rollouts that count for training (status ``completed``) are converted, and
groups marked ``dropped`` are skipped. Token-level shapes (verl, SkyRL) need token
ids, which the model actor and servers that return ids record; they are built
token-in-token-out, never by re-tokenizing text:

- the prompt is the first turn's prompt ids;
- the response is, turn after turn, what the model generated (loss mask 1, with its
  logprobs), then what the next prompt adds after it (the environment's answer and
  the template's markers; loss mask 0, logprob 0).

Example:
    >>> from skillgym.clients.rollout.trajectory import Group, Rollout, Turn
    >>> turn = Turn(observation={}, action="a", prompt_token_ids=[1, 2],
    ...             completion_token_ids=[3], logprobs=[-0.5], loss_mask=[1])
    >>> rollout = Rollout(index=0, status="completed", reward=1.0, policy="m", turns=[turn])
    >>> group = Group(index=0, task="arithmetic/sum-list", version="1.0.0",
    ...               family="arithmetic", seed=0, rollouts=[rollout])
    >>> to_verl([group])[0]["response_ids"]
    [3]
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from skillgym.clients.rollout.chat import render_observation
from skillgym.clients.rollout.trajectory import Group, Rollout


class MissingTokensError(ValueError):
    """A token-level shape was asked of a rollout recorded without token ids."""


@dataclass
class TokenTrajectory:
    """One rollout as a trainer's tokens: prompt, response, mask, logprobs."""

    prompt_ids: list[int]
    response_ids: list[int]
    loss_mask: list[int]
    logprobs: list[float]


def group_uid(group: Group) -> str:
    """The id GRPO groups by: ``family/name@version#seed/index``."""
    return f"{group.task_id}#{group.seed}/{group.index}"


def _trained(groups: Iterable[Group]) -> Iterable[tuple[Group, Rollout]]:
    for group in groups:
        if group.dropped is not None:
            continue
        for rollout in group.rollouts:
            if rollout.counts_for_training:
                yield group, rollout


def token_trajectory(rollout: Rollout) -> TokenTrajectory:
    """The rollout's tokens, token in, token out (see the module's docstring).

    Raises:
        MissingTokensError: A turn has no prompt or completion token ids.
    """
    turns = rollout.turns
    if not turns or any(
        t.prompt_token_ids is None or t.completion_token_ids is None for t in turns
    ):
        raise MissingTokensError(
            f"Rollout {rollout.index} of policy {rollout.policy!r} has turns without token "
            "ids; token shapes need a policy that records them (the model actor, or a "
            "server that returns token ids)."
        )
    prompt = list(turns[0].prompt_token_ids or [])
    response: list[int] = []
    mask: list[int] = []
    logprobs: list[float] = []
    seen = list(prompt)
    for turn in turns:
        ids = list(turn.prompt_token_ids or [])
        if len(ids) > len(seen) and ids[: len(seen)] == seen:
            added = ids[len(seen) :]
            response += added
            mask += [0] * len(added)
            logprobs += [0.0] * len(added)
            seen = list(ids)
        completion = list(turn.completion_token_ids or [])
        response += completion
        mask += turn.loss_mask or [1] * len(completion)
        logprobs += turn.logprobs or [0.0] * len(completion)
        seen += completion
    return TokenTrajectory(prompt, response, mask, logprobs)


def grpo_advantages(group: Group, *, eps: float = 1e-6) -> list[float | None]:
    """Each rollout's reward minus the group's mean, over the group's standard deviation.

    None for rollouts that did not complete (they are not trained on).
    """
    rewards = [r.reward for r in group.rollouts if r.counts_for_training and r.reward is not None]
    if not rewards:
        return [None] * len(group.rollouts)
    mean = statistics.fmean(rewards)
    std = statistics.pstdev(rewards)
    return [
        (r.reward - mean) / (std + eps) if r.counts_for_training and r.reward is not None else None
        for r in group.rollouts
    ]


def to_verl(groups: Iterable[Group]) -> list[dict[str, Any]]:
    """One row per rollout, the fields of verl's agent-loop output.

    ``prompt_ids``, ``response_ids``, ``response_mask``, ``response_logprobs``,
    ``reward_score``, ``num_turns``, and ``uid`` (GRPO's group id) with ``data_source``.
    """
    rows = []
    for group, rollout in _trained(groups):
        tokens = token_trajectory(rollout)
        rows.append(
            {
                "uid": group_uid(group),
                "data_source": group.task_id,
                "prompt_ids": tokens.prompt_ids,
                "response_ids": tokens.response_ids,
                "response_mask": tokens.loss_mask,
                "response_logprobs": tokens.logprobs,
                "reward_score": rollout.reward,
                "num_turns": len(rollout.turns),
            }
        )
    return rows


def to_skyrl(groups: Iterable[Group]) -> dict[str, Any]:
    """A batch shaped as SkyRL's ``GeneratorOutput`` (lists aligned by rollout)."""
    out: dict[str, Any] = {
        "prompt_token_ids": [],
        "response_ids": [],
        "rewards": [],
        "loss_masks": [],
        "rollout_logprobs": [],
        "stop_reasons": [],
        "trajectory_ids": [],
    }
    for group, rollout in _trained(groups):
        tokens = token_trajectory(rollout)
        out["prompt_token_ids"].append(tokens.prompt_ids)
        out["response_ids"].append(tokens.response_ids)
        out["rewards"].append(rollout.reward)
        out["loss_masks"].append(tokens.loss_mask)
        out["rollout_logprobs"].append(tokens.logprobs)
        out["stop_reasons"].append("truncated" if rollout.truncated else "terminated")
        out["trajectory_ids"].append(f"{group_uid(group)}/{rollout.index}")
    rewards = out["rewards"]
    out["rollout_metrics"] = {
        "rollouts": len(rewards),
        "mean_reward": statistics.fmean(rewards) if rewards else None,
    }
    return out


def to_trl(groups: Iterable[Group]) -> list[dict[str, Any]]:
    """One conversational row per rollout: ``prompt`` and ``completion`` messages, ``reward``.

    The prompt is the system message and the instruction; the completion is the rest of
    the chat (assistant turns with their tool calls, and the environment's answers),
    the shape TRL's conversational datasets take. ``advantage`` is the GRPO one.
    """
    rows = []
    for group in groups:
        if group.dropped is not None:
            continue
        advantages = grpo_advantages(group)
        for rollout, advantage in zip(group.rollouts, advantages, strict=True):
            if not rollout.counts_for_training:
                continue
            messages = [m for turn in rollout.turns for m in turn.messages] or _as_chat(rollout)
            split = next(
                (i for i, m in enumerate(messages) if m.get("role") == "assistant"), len(messages)
            )
            rows.append(
                {
                    "prompt": messages[:split],
                    "completion": messages[split:],
                    "reward": rollout.reward,
                    "advantage": advantage,
                    "group": group_uid(group),
                    "task": group.task_id,
                }
            )
    return rows


def _as_chat(rollout: Rollout) -> list[dict[str, Any]]:
    """A chat for a rollout recorded without one (a scripted policy): observations, actions."""
    messages: list[dict[str, Any]] = []
    for number, turn in enumerate(rollout.turns):
        text = render_observation(turn.observation, first=number == 0)
        messages.append({"role": "user", "content": text})
        messages.append({"role": "assistant", "content": turn.action})
    return messages
