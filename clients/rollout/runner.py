"""The rollout driver: groups planned, episodes placed and retried, groups written.

:func:`rollout` (and its async twin :func:`rollout_async`) fans a policy out over the
replicas through env-worker actors on Ray (``ray.init()`` locally, or the cluster
``RAY_ADDRESS`` names). It keeps at most ``max_in_flight`` episodes running, places
each on the replica of its family with the fewest outstanding, retries an episode a
replica failed on another one, and appends each group to the output the moment it
is complete, so a rerun with the same output plays only the groups still missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from skillgym.clients.rollout.episode import Attempt, EpisodeRequest
from skillgym.clients.rollout.output import TrajectoryWriter, open_for_resume
from skillgym.clients.rollout.policy import Policy
from skillgym.clients.rollout.replicas import ReplicaSet
from skillgym.clients.rollout.sampler import Draw, TaskRef, TaskSampler, Weighting
from skillgym.clients.rollout.trajectory import Group, Rollout, Status
from skillgym.clients.rollout.worker import remote_worker_class
from skillgym.envs.core.errors import SkillGymError


class RolloutError(SkillGymError):
    """The rollout cannot run as asked (its output belongs to another plan, ...)."""


class RolloutConfig(BaseModel):
    """How many rollouts, in which groups, with what patience.

    Example:
        >>> RolloutConfig(episodes=8, group_size=4).groups
        2
    """

    episodes: int = Field(gt=0, description="Rollouts in all (episodes / group_size groups).")
    group_size: int = Field(default=1, gt=0, description="G: rollouts per (task version, seed).")
    over_provision: int = Field(
        default=0, ge=0, description="k: start G+k rollouts of a group, keep the first G."
    )
    drop_equal_rewards: bool = Field(
        default=False, description="Mark groups whose rewards are all equal as dropped."
    )
    max_in_flight: int = Field(default=64, gt=0, description="Episodes running at once, in all.")
    workers: int = Field(default=2, gt=0, description="Env-worker actors.")
    attempts: int = Field(
        default=3, gt=0, description="Tries per episode, each on another replica."
    )
    deadline_s: float = Field(
        default=600.0, gt=0, description="Seconds per episode: reset, turns and verification."
    )
    max_turns: int | None = Field(
        default=None,
        gt=0,
        description="Policy turns per episode; then the rollout submits for the agent.",
    )
    seed: int = Field(default=0, description="Seeds the task and seed draws.")
    weighting: Weighting = "uniform"
    seeds: list[int] | None = Field(default=None, description="Environment seeds to draw from.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Reset options of every episode."
    )
    transport: str = Field(default="websocket", pattern="^(http|websocket)$")

    @property
    def groups(self) -> int:
        """Groups in the run."""
        return math.ceil(self.episodes / self.group_size)


class RolloutSummary(BaseModel):
    """What a run did, as the summary table prints it."""

    groups_written: int = 0
    groups_resumed: int = 0
    groups_dropped: int = 0
    rollouts: int = 0
    statuses: dict[str, int] = Field(default_factory=dict)
    mean_reward: float | None = None
    success_rate: float | None = None
    retries: int = 0
    cancelled_extras: int = 0
    seconds: float = 0.0
    per_task: dict[str, dict[str, float]] = Field(default_factory=dict)

    @property
    def episodes_per_s(self) -> float:
        """Rollouts written per second of the run."""
        return self.rollouts / self.seconds if self.seconds else 0.0


@dataclass
class _Tally:
    """Running counts behind the summary and the progress bar."""

    started: float = field(default_factory=time.perf_counter)
    groups: int = 0
    resumed: int = 0
    dropped: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    rewards: list[float] = field(default_factory=list)
    successes: list[bool] = field(default_factory=list)
    retries: int = 0
    cancelled: int = 0
    per_task: dict[str, list[float]] = field(default_factory=dict)

    def add(self, group: Group) -> None:
        self.groups += 1
        self.dropped += group.dropped is not None
        for r in group.rollouts:
            self.statuses[r.status.value] += 1
            self.retries += r.attempts - 1
            if r.status is Status.COMPLETED and r.reward is not None:
                self.rewards.append(r.reward)
                self.successes.append(bool(r.success))
                self.per_task.setdefault(group.task_id, []).append(r.reward)

    def summary(self) -> RolloutSummary:
        rewards, successes = self.rewards, self.successes
        return RolloutSummary(
            groups_written=self.groups - self.resumed,
            groups_resumed=self.resumed,
            groups_dropped=self.dropped,
            rollouts=sum(self.statuses.values()),
            statuses=dict(self.statuses),
            mean_reward=sum(rewards) / len(rewards) if rewards else None,
            success_rate=sum(successes) / len(successes) if successes else None,
            retries=self.retries,
            cancelled_extras=self.cancelled,
            seconds=time.perf_counter() - self.started,
            per_task={
                task: {"rollouts": len(r), "mean_reward": sum(r) / len(r)}
                for task, r in sorted(self.per_task.items())
            },
        )


ProgressFn = Callable[[Group, RolloutSummary], None]


class EpisodeDriver:
    """Places episodes on replicas and workers, within the in-flight limit, with retries."""

    def __init__(
        self,
        policy: Policy,
        replicas: ReplicaSet,
        config: RolloutConfig,
        workers: list[Any],
    ) -> None:
        self.policy = policy
        self.replicas = replicas
        self.config = config
        self.workers = workers
        self.worker_load = [0] * len(workers)
        self.episode_slots = asyncio.Semaphore(config.max_in_flight)

    async def run_group(self, draw: Draw) -> tuple[Group, int]:
        """The group ``draw`` plans, and how many over-provisioned rollouts it cancelled."""
        config = self.config
        started = config.group_size + config.over_provision
        requests = [
            EpisodeRequest(
                family=draw.task.family,
                task=draw.task.task,
                version=draw.task.version,
                seed=draw.seed,
                index=i,
                options=config.options,
                deadline_s=config.deadline_s,
                max_turns=config.max_turns,
                transport=config.transport,
            )
            for i in range(started)
        ]
        running = {asyncio.ensure_future(self.run_episode(r)) for r in requests}
        kept: list[Rollout] = []
        failed: list[Rollout] = []
        try:
            for next_done in asyncio.as_completed(running):
                rollout = await next_done
                (kept if rollout.status is Status.COMPLETED else failed).append(rollout)
                if len(kept) == config.group_size:
                    break
        finally:
            extras = [t for t in running if not t.done()]
            for task in extras:
                task.cancel()
            await asyncio.gather(*extras, return_exceptions=True)
        chosen = (kept + failed)[: config.group_size]
        rollouts = [r.model_copy(update={"index": i}) for i, r in enumerate(chosen)]
        rewards = {r.reward for r in rollouts}
        equal = all(r.status is Status.COMPLETED for r in rollouts) and len(rewards) == 1
        group = Group(
            index=draw.index,
            task=draw.task.task,
            version=draw.task.version,
            family=draw.task.family,
            seed=draw.seed,
            options=config.options,
            rollouts=rollouts,
            started=started,
            dropped="equal_rewards" if config.drop_equal_rewards and equal else None,
        )
        return group, len(extras)

    async def run_episode(self, request: EpisodeRequest) -> Rollout:
        """Play ``request``, on another replica after each retryable failure."""
        import ray.exceptions

        tried: list[str] = []
        attempt: Attempt | None = None
        async with self.episode_slots:
            for number in range(1, self.config.attempts + 1):
                url = self.replicas.acquire(request.family, exclude=tried)
                w = min(range(len(self.workers)), key=self.worker_load.__getitem__)
                self.worker_load[w] += 1
                ref = self.workers[w].play.remote(request, url)
                try:
                    attempt = await ref
                except asyncio.CancelledError:
                    ray.cancel(ref)
                    raise
                except ray.exceptions.RayError as exc:  # the worker died under it
                    attempt = Attempt(_failed(request, self.policy, url, exc), retryable=True)
                finally:
                    self.worker_load[w] -= 1
                    self.replicas.release(url)
                attempt.rollout.attempts = number
                if attempt.rollout.status is Status.COMPLETED or not attempt.retryable:
                    break
                tried.append(url)
                if attempt.rollout.status is Status.ENV_ERROR:
                    self.replicas.mark_down(url)
        assert attempt is not None
        return attempt.rollout


def _failed(request: EpisodeRequest, policy: Policy, url: str, exc: Exception) -> Rollout:
    return Rollout(
        index=request.index,
        status=Status.ENV_ERROR,
        policy=policy.name,
        policy_version=policy.version,
        replica=url,
        error=f"the worker playing it died ({type(exc).__name__}): {str(exc)[:300]}",
    )


def ensure_ray(**init_args: Any) -> None:
    """Connect to Ray once: the cluster ``RAY_ADDRESS`` names, else a local one."""
    import ray

    if not ray.is_initialized():
        init_args.setdefault("address", os.environ.get("RAY_ADDRESS") or None)
        init_args.setdefault("log_to_driver", False)
        if init_args["address"] is None:  # a local Ray: no dashboard to start and keep
            init_args.setdefault("include_dashboard", False)
        ray.init(**init_args)


class WorkerPool:
    """The env-worker actors of one policy, kept for as many runs as the caller makes.

    Making actors costs about a second (a process each): an RL loop that rolls out
    every training step makes its pool once. The policy's ``prepare()`` (a model
    policy starts its actor there) runs here, once.

    Example::

        pool = WorkerPool(policy, workers=4)
        for step in range(steps):
            groups, summary = rollout(policy, tasks, replicas, config, pool=pool)
        pool.close()
    """

    def __init__(self, policy: Policy, *, workers: int = 2, max_concurrency: int = 1_024) -> None:
        ensure_ray()
        prepare = getattr(policy, "prepare", None)
        if callable(prepare):
            prepare()
        self.policy = policy
        actor_class = remote_worker_class(max_concurrency=max_concurrency)
        self.actors = [actor_class.remote(policy) for _ in range(workers)]

    def ready(self) -> WorkerPool:
        """Wait until every worker is up (else the first episodes wait for it)."""
        import ray

        ray.get([actor.stats.remote() for actor in self.actors])
        return self

    async def aclose(self) -> None:
        """Close the workers' connections and stop them."""
        import ray

        for actor in self.actors:
            with contextlib.suppress(Exception):  # a dead worker has nothing to close
                await actor.shutdown.remote()
            ray.kill(actor)
        self.actors = []

    def close(self) -> None:
        """:meth:`aclose` for sync code."""
        asyncio.run(self.aclose())


def _check_resumed(groups: list[Group], sampler: TaskSampler, config: RolloutConfig) -> None:
    for group in groups:
        if group.index >= config.groups:
            raise RolloutError(
                f"The output already holds group {group.index}, but this run plans "
                f"{config.groups} groups: use another --out, or the run's own --episodes."
            )
        if group.rollouts and len(group.rollouts) != config.group_size:
            raise RolloutError(
                f"The output's group {group.index} has {len(group.rollouts)} rollouts, "
                f"this run's group size is {config.group_size}: use another --out."
            )
        if sampler.weighting == "uniform":
            draw = sampler.draw(group.index)
            if (draw.task.task_id, draw.seed) != (group.task_id, group.seed):
                raise RolloutError(
                    f"The output's group {group.index} played {group.task_id} seed "
                    f"{group.seed}; this run plans {draw.task.task_id} seed {draw.seed} "
                    "there. It was written by another plan (tasks, --seed): use another --out."
                )


async def rollout_async(
    policy: Policy,
    tasks: Sequence[TaskRef],
    replicas: ReplicaSet | dict[str, list[str]],
    config: RolloutConfig,
    *,
    out: Path | str | None = None,
    on_group: ProgressFn | None = None,
    pool: WorkerPool | None = None,
) -> tuple[list[Group], RolloutSummary]:
    """Run ``config.episodes`` rollouts of ``policy`` over ``tasks``; the async twin of :func:`rollout`.

    ``pool``: workers kept across calls (an RL loop calls this every step); default:
    workers made for this call and stopped at its end.

    Returns:
        The groups this call played (not those resumed from ``out``), and the summary
        of the whole output (resumed groups included).
    """
    placement = replicas if isinstance(replicas, ReplicaSet) else ReplicaSet(replicas)
    sampler = TaskSampler(tasks, seed=config.seed, weighting=config.weighting, seeds=config.seeds)
    tally = _Tally()
    existing = open_for_resume(out) if out is not None else []
    _check_resumed(existing, sampler, config)
    done = {g.index for g in existing}
    for group in existing:
        tally.add(group)
        sampler.observe(
            group.task_id, [bool(r.success) for r in group.rollouts if r.counts_for_training]
        )
    tally.resumed = len(existing)

    own_pool = pool is None
    if pool is None:
        pool = WorkerPool(policy, workers=config.workers)
    elif pool.policy is not policy:
        raise RolloutError("Expects the pool made for this policy (WorkerPool(policy)).")
    workers = pool.actors
    driver = EpisodeDriver(policy, placement, config, workers)
    per_group = config.group_size + config.over_provision
    group_slots = asyncio.Semaphore(max(1, math.ceil(config.max_in_flight / per_group)) + 1)
    played: list[Group] = []
    writer = TrajectoryWriter(out) if out is not None else None

    async def one_group(index: int) -> None:
        try:
            group, cancelled = await driver.run_group(sampler.draw(index))
            tally.cancelled += cancelled
        finally:
            group_slots.release()
        if writer is not None:
            writer.write(group)
        played.append(group)
        tally.add(group)
        sampler.observe(
            group.task_id, [bool(r.success) for r in group.rollouts if r.counts_for_training]
        )
        if on_group is not None:
            on_group(group, tally.summary())

    running: set[asyncio.Task[None]] = set()
    try:
        for index in range(config.groups):
            if index in done:
                continue
            await group_slots.acquire()
            task = asyncio.ensure_future(one_group(index))
            running.add(task)
            task.add_done_callback(running.discard)
            failed = [t for t in list(running) if t.done() and t.exception() is not None]
            if failed:
                raise failed[0].exception()  # type: ignore[misc]
        await asyncio.gather(*running)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        if writer is not None:
            writer.close()
        if own_pool:
            await pool.aclose()
    return played, tally.summary()


def rollout(
    policy: Policy,
    tasks: Sequence[TaskRef],
    replicas: ReplicaSet | dict[str, list[str]],
    config: RolloutConfig,
    *,
    out: Path | str | None = None,
    on_group: ProgressFn | None = None,
    pool: WorkerPool | None = None,
) -> tuple[list[Group], RolloutSummary]:
    """Run ``config.episodes`` rollouts of ``policy`` over ``tasks`` on ``replicas``.

    Each group is appended to ``out`` (JSON lines, see
    :mod:`skillgym.clients.rollout.trajectory`) when it completes; with an ``out``
    that already holds groups of the same plan, only the missing ones are played.

    Example::

        groups, summary = rollout(
            ScriptedPolicy("oracle"),
            [TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")],
            {"arithmetic": ["http://127.0.0.1:8000"]},
            RolloutConfig(episodes=8, group_size=4),
            out="traj.jsonl",
        )
    """
    return asyncio.run(
        rollout_async(policy, tasks, replicas, config, out=out, on_group=on_group, pool=pool)
    )
