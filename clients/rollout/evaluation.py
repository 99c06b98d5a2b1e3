"""Evaluations: a suite played through a hub's own sessions, as a verified run.

The hub draws the run's seeds and keeps them hidden; the rollout engine plays each
slot (reset option ``run``) on the hub itself, and the hub records each verdict its
own environment computed. An interrupted evaluation resumes: the run's id is kept in
a small state file, and only the slots the hub has not recorded are played again.

Example::

    result = evaluate(
        ScriptedPolicy("heuristic"),
        hub="http://127.0.0.1:8000",
        token=os.environ["SKILLGYM_API_TOKEN"],
        config=EvalConfig(suite="core-v1", episodes_per_task=2),
    )
    print(result.run.score)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from skillgym.clients.hub_client import HubClient
from skillgym.clients.rollout.episode import EpisodeRequest
from skillgym.clients.rollout.output import TrajectoryWriter
from skillgym.clients.rollout.policy import Policy
from skillgym.clients.rollout.replicas import ReplicaSet
from skillgym.clients.rollout.runner import EpisodeDriver, RolloutConfig, WorkerPool
from skillgym.clients.rollout.trajectory import Group, Rollout, Status
from skillgym.envs.core.protocol import PolicyRef, RunPublic, RunSlot

EpisodeFn = Callable[[RunSlot, Rollout], None]
StartFn = Callable[[RunPublic, int], None]


class EvalConfig(BaseModel):
    """What to evaluate on, and with what patience."""

    suite: str = Field(description="A suite the hub serves, e.g. core-v1.")
    episodes_per_task: int | None = Field(
        default=None, gt=0, description="Seeds per task; default: the suite's seed count."
    )
    reference: bool = Field(
        default=False, description="A reference run: seeds shown to the player (admin tokens)."
    )
    workers: int = Field(default=2, gt=0)
    max_in_flight: int = Field(default=16, gt=0)
    attempts: int = Field(default=3, gt=0, description="Tries per slot.")
    deadline_s: float = Field(default=600.0, gt=0)
    max_turns: int | None = Field(default=None, gt=0)
    transport: str = Field(default="websocket", pattern="^(http|websocket)$")


@dataclass
class EvalResult:
    """The run as the hub has it at the end, and what this call did."""

    run: RunPublic
    played: int = 0
    resumed: int = 0
    failed: list[str] = field(default_factory=list)
    """Why slots were left unplayed (they score 0 once the run is finished)."""


@dataclass
class _State:
    hub: str
    suite: str
    policy: str
    version: str
    run_id: str

    @classmethod
    def read(cls, path: Path | None) -> _State | None:
        if path is None or not path.is_file():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            return None

    def write(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(vars(self), indent=2) + "\n")


def _start_or_resume(
    client: HubClient,
    policy: Policy,
    config: EvalConfig,
    run_id: str | None,
    state_path: Path | None,
) -> tuple[RunPublic, bool]:
    """The run to play: ``run_id``, the state file's unfinished run, or a new one."""
    if run_id is None:
        state = _State.read(state_path)
        wanted = (client.base_url, config.suite, policy.name, policy.version)
        if state is not None and (state.hub, state.suite, state.policy, state.version) == wanted:
            run_id = state.run_id
    if run_id is not None:
        run = client.run(run_id)
        if run.status == "running":
            return run, True
    run = client.create_run(
        config.suite,
        PolicyRef(name=policy.name, version=policy.version or "unversioned"),
        reference=config.reference,
        episodes_per_task=config.episodes_per_task,
    )
    _State(client.base_url, config.suite, policy.name, policy.version, run.id).write(state_path)
    return run, False


async def evaluate_async(
    policy: Policy,
    *,
    hub: str,
    token: str | None,
    config: EvalConfig,
    run_id: str | None = None,
    state_path: Path | None = None,
    out: Path | None = None,
    on_episode: EpisodeFn | None = None,
    on_start: StartFn | None = None,
    pool: WorkerPool | None = None,
) -> EvalResult:
    """Play ``config.suite`` with ``policy`` as a verified run on ``hub``; the async twin of :func:`evaluate`."""
    with HubClient(hub, token=token) as client:
        run, resumed = await asyncio.to_thread(
            _start_or_resume, client, policy, config, run_id, state_path
        )
        open_slots = [slot for slot in run.slots if not slot.played]
        result = EvalResult(run, resumed=len(run.slots) - len(open_slots) if resumed else 0)
        if on_start is not None:
            on_start(run, len(open_slots))
        rollout_config = RolloutConfig(
            episodes=max(1, len(open_slots)),
            workers=config.workers,
            max_in_flight=config.max_in_flight,
            attempts=config.attempts,
            deadline_s=config.deadline_s,
            max_turns=config.max_turns,
            transport=config.transport,
        )
        own_pool = pool is None
        if open_slots and pool is None:
            pool = WorkerPool(policy, workers=config.workers)
        writer = TrajectoryWriter(out) if out is not None else None
        try:
            if open_slots:
                assert pool is not None
                families = {slot.env for slot in open_slots}
                driver = EpisodeDriver(
                    policy,
                    ReplicaSet({family: [client.base_url] for family in families}),
                    rollout_config,
                    pool.actors,
                )

                async def play(slot: RunSlot) -> None:
                    task_id, _, version = slot.task.partition("@")
                    request = EpisodeRequest(
                        family=slot.env,
                        task=task_id,
                        version=version,
                        seed=None,
                        index=0,
                        options={"run": {"id": run.id, "slot": slot.slot}},
                        deadline_s=config.deadline_s,
                        max_turns=config.max_turns,
                        transport=config.transport,
                        token=token,
                    )
                    rollout = await driver.run_episode(request)
                    if rollout.status is Status.COMPLETED:
                        result.played += 1
                    else:
                        result.failed.append(f"slot {slot.slot} ({slot.task}): {rollout.error}")
                    if writer is not None:
                        writer.write(
                            Group(
                                index=slot.slot,
                                task=task_id,
                                version=version,
                                family=slot.env,
                                seed=None,
                                options={"run": {"id": run.id, "slot": slot.slot}},
                                rollouts=[rollout],
                                started=1,
                            )
                        )
                    if on_episode is not None:
                        on_episode(slot, rollout)

                await asyncio.gather(*(play(slot) for slot in open_slots))
        finally:
            if writer is not None:
                writer.close()
            if own_pool and pool is not None:
                await pool.aclose()
        result.run = await asyncio.to_thread(client.finish, run.id)
        if state_path is not None:
            state_path.unlink(missing_ok=True)  # finished: the next evaluation is a new run
        return result


def evaluate(
    policy: Policy,
    *,
    hub: str,
    token: str | None,
    config: EvalConfig,
    run_id: str | None = None,
    state_path: Path | None = None,
    out: Path | None = None,
    on_episode: EpisodeFn | None = None,
    on_start: StartFn | None = None,
    pool: WorkerPool | None = None,
) -> EvalResult:
    """Play ``config.suite`` with ``policy`` as a verified run on ``hub``, and finish it.

    ``state_path`` keeps the run's id while it plays: after an interruption, the same
    call continues that run (only unrecorded slots are played). Slots that still fail
    after ``config.attempts`` tries score 0 when the run finishes.
    """
    return asyncio.run(
        evaluate_async(
            policy,
            hub=hub,
            token=token,
            config=config,
            run_id=run_id,
            state_path=state_path,
            out=out,
            on_episode=on_episode,
            on_start=on_start,
            pool=pool,
        )
    )
