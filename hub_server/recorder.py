"""Verified episodes: a run's slot played in one of the hub's own sessions.

A reset with the option ``run: {"id": ..., "slot": n}`` binds the session to that
slot: the hub picks the slot's pinned task and hidden seed, answers without the seed,
and when the episode ends writes the verdict its own environment computed, with the
episode's files and the hub's transcript of every step. The client only plays; it
never reports a reward, so it cannot make one up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from skillgym.envs.core.errors import RequestError, RunNotFoundError, SkillGymError
from skillgym.envs.core.protocol import RunSlotRef
from skillgym.hub_server.scores.hub import Hub
from skillgym.hub_server.scores.store import EpisodeResult, SlotClaim
from skillgym.hub_server.scores.tokens import Principal

logger = logging.getLogger(__name__)
TRANSCRIPT = "transcript.json"


@dataclass
class SlotPlay:
    """A session's claim on a run's slot, and what the hub has seen of the episode."""

    claim: SlotClaim
    attempt: int
    session_id: str
    started: float = field(default_factory=time.monotonic)
    transcript: list[dict[str, Any]] = field(default_factory=list)


def run_option(options: dict[str, Any]) -> RunSlotRef | None:
    """The ``run`` reset option, taken out of ``options`` and checked; None if absent."""
    if "run" not in options:
        return None
    value = options.pop("run")
    try:
        return RunSlotRef.model_validate(value)
    except ValidationError:
        raise RequestError(
            'Expects options["run"] as {"id": "<run id>", "slot": <slot number>}, '
            f"actual value: {value!r}"
        ) from None


class RunRecorder:
    """Claims slots for sessions and records their verdicts in the hub's database."""

    def __init__(self, hub: Hub | None) -> None:
        self.hub = hub
        self._active: dict[tuple[str, int], str] = {}
        self._attempts: defaultdict[tuple[str, int], int] = defaultdict(int)

    async def claim(
        self, ref: RunSlotRef, session_id: str, owner: Principal | None, task: Any, seed: Any
    ) -> SlotPlay:
        """Bind a session to a slot: checks the caller, the run and that nobody plays it."""
        if self.hub is None:
            raise RunNotFoundError(
                "This server keeps no scores (started with database_url none): "
                'the reset option "run" needs a hub.'
            )
        if seed is not None:
            raise RequestError(
                f"A run's slot is played with the seed the hub drew for it; send no seed "
                f"(actual value: {seed!r})."
            )
        claim = await asyncio.to_thread(self.hub.scores.claim_slot, ref.id, ref.slot, owner)
        if task is not None and task not in (claim.task, claim.task.split("@", 1)[0]):
            raise RequestError(
                f"Slot {ref.slot} of run {ref.id} plays {claim.task}; actual task option: {task!r}"
            )
        key = (ref.id, ref.slot)
        # A slot still held by another session of the same submitter (an evaluator that
        # crashed mid-episode) passes to the new one: the old one's verdict will not
        # count, and the episode records how many attempts its slot took.
        self._active[key] = session_id
        self._attempts[key] += 1
        return SlotPlay(claim, self._attempts[key], session_id)

    def holds(self, play: SlotPlay) -> bool:
        """Whether ``play``'s session still holds its slot (no newer attempt took it)."""
        return self._active.get((play.claim.run_id, play.claim.slot)) == play.session_id

    def release(self, play: SlotPlay) -> None:
        """The session stopped playing the slot without a verdict (closed, or reset)."""
        if self.holds(play):
            del self._active[(play.claim.run_id, play.claim.slot)]

    @staticmethod
    def began(play: SlotPlay, observation: dict[str, str]) -> None:
        """The transcript opens with the reset's observation (replayable from the seed)."""
        play.transcript.append({"observation": observation})

    @staticmethod
    def observe(play: SlotPlay, action: str, answer: dict[str, Any]) -> None:
        """Add one step to the hub's transcript of the episode."""
        play.transcript.append(
            {
                "action": action,
                "observation": answer["observation"],
                "reward": answer["reward"],
                "terminated": answer["terminated"],
                "truncated": answer["truncated"],
            }
        )

    async def finish(
        self, play: SlotPlay, files: dict[str, bytes], reward: float, info: dict[str, Any]
    ) -> dict[str, Any]:
        """Record the ended episode's verdict; what ``info["run"]`` tells the client."""
        assert self.hub is not None
        claim, hub = play.claim, self.hub
        if not self.holds(play):
            return {
                "id": claim.run_id,
                "slot": claim.slot,
                "recorded": False,
                "reason": "a newer attempt at this slot, in another session, took it over",
            }
        self.release(play)
        verification = info.get("verification")
        if isinstance(verification, BaseModel):
            verification = verification.model_dump(mode="json")
        verification = verification or {}
        artifacts = await asyncio.to_thread(self._save_files, play, files)
        result = EpisodeResult(
            reward=float(reward),
            success=bool(verification.get("success", False)),
            steps=sum("action" in step for step in play.transcript),
            seconds=time.monotonic() - play.started,
            verification=verification,
            attempt=play.attempt,
            artifacts=artifacts,
            trajectory_ref=f"runs/{claim.run_id}/episodes/{claim.slot}/artifacts/{TRANSCRIPT}",
        )
        try:
            await asyncio.to_thread(hub.scores.record, claim, result)
            finished = await asyncio.to_thread(hub.scores.finish_if_complete, claim.run_id)
        except SkillGymError as exc:
            logger.warning("slot %d of run %s not recorded: %s", claim.slot, claim.run_id, exc)
            return {
                "id": claim.run_id,
                "slot": claim.slot,
                "recorded": False,
                "reason": exc.message,
            }
        return {
            "id": claim.run_id,
            "slot": claim.slot,
            "recorded": True,
            "run_finished": finished,
        }

    def _save_files(self, play: SlotPlay, files: dict[str, bytes]) -> list[str]:
        assert self.hub is not None
        claim, artifacts = play.claim, self.hub.artifacts
        files = {TRANSCRIPT: json.dumps(play.transcript).encode(), **files}
        return [artifacts.save(claim.run_id, claim.slot, n, data) for n, data in files.items()]
