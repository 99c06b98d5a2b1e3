"""Checking tasks before they are released: what ``skillgym validate`` runs.

Each task must load, its oracle must score 1.0 with success on every seed tried, a
no-op must score 0 without success, every cheat its family plays must score below 0.5
without success (on the newest version of each task), and both its files and its
episodes (seeds 0-2) must match ``versions.lock``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from skillgym.envs.core.env import Policy, SkillGymEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.errors import SkillGymError
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.tasks import TaskCatalog, TaskSpec
from skillgym.envs.core.verification import Verification
from skillgym.envs.core.versions_lock import VersionsLock

DEFAULT_SEEDS = (0, 1, 2)
FINGERPRINT_SEEDS = (0, 1, 2)


class TaskReport(BaseModel):
    """One task version's validation: the scores seen and every problem found."""

    ref: str
    oracle_scores: list[float] = Field(default_factory=list)
    noop_score: float | None = None
    cheat_scores: dict[str, float] = Field(default_factory=dict)
    episodes: str | None = None
    problems: list[str] = Field(default_factory=list)
    lock: Literal["locked", "unlocked", "changed", "moved"] = "locked"
    """``moved``: its files changed since it was locked but its episodes did not."""
    superseded_by: str | None = Field(
        default=None,
        description="The newer version of this task, if any; a superseded version's cheats are not played.",
    )
    lock_message: str | None = None

    @property
    def episodes_ok(self) -> bool:
        """Whether the oracle and the no-op scored as they must."""
        return not self.problems

    @property
    def ok(self) -> bool:
        """Whether the task passed every check, the lock included."""
        return self.episodes_ok and self.lock == "locked"

    @property
    def all_problems(self) -> list[str]:
        """Every problem, the lock's last."""
        return self.problems + ([self.lock_message] if self.lock_message else [])


class FirstObservation:
    """A policy passed through, keeping the first observation it sees (the reset's)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.first: dict[str, str] | None = None

    def __call__(self, observation: dict[str, str]) -> str:
        """Record the observation if it is the first, then ask the policy."""
        if self.first is None:
            self.first = observation
        return self.policy(observation)


LATER_CHECK_DEFAULTS = {"essential": False}
"""Fields ``Check`` gained after versions were locked, with their defaults: left out of
the fingerprint at those values, so a new field does not change every locked version."""


def _as_locked(verification: Verification) -> dict[str, Any]:
    dumped = verification.model_dump()
    checks = [
        {k: v for k, v in check.items() if LATER_CHECK_DEFAULTS.get(k, object()) != v}
        for check in dumped["checks"]
    ]
    return {**dumped, "checks": checks}


def fingerprint(pinned: list[tuple[int, dict[str, str], Verification]]) -> str:
    """sha256 over (seed, first observation, oracle verification) for the pinned seeds."""
    payload = json.dumps(
        [
            [seed, first, _as_locked(verification)]
            for seed, first, verification in sorted(pinned, key=lambda i: i[0])
        ],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def check_episodes(
    spec: TaskSpec, catalog: TaskCatalog, seeds: Sequence[int] = DEFAULT_SEEDS
) -> TaskReport:
    """Play the oracle on every seed (seeds 0-2 always), a no-op once and the family's cheats.

    A version that a newer one supersedes is kept only so pinned suites replay as they
    did: its oracle and no-op are checked (the lock's fingerprint proves it unchanged),
    its cheats are not played, since fixing what they exploit is what the newer version is for.
    """
    env = env_class(spec.family)(catalog=catalog)
    try:
        return _check_episodes(env, spec, catalog, seeds)
    finally:
        env.close()


def _check_episodes(
    env: SkillGymEnv, spec: TaskSpec, catalog: TaskCatalog, seeds: Sequence[int]
) -> TaskReport:
    report = TaskReport(ref=spec.ref)
    newest = catalog.versions(spec.id)[-1]
    if newest.version != spec.version:
        report.superseded_by = newest.version
    pinned: list[tuple[int, dict[str, str], Verification]] = []
    for seed in sorted(set(seeds) | set(FINGERPRINT_SEEDS)):
        try:
            oracle = make_policy(
                "oracle", family=spec.family, task=spec.ref, seed=seed, catalog=catalog
            )
            recording = FirstObservation(oracle)
            result = run_episode(env, recording, task=spec.ref, seed=seed)
        except SkillGymError as exc:
            report.problems.append(f"oracle, seed {seed}: {exc.message}")
            continue
        report.oracle_scores.append(result.reward)
        if seed in FINGERPRINT_SEEDS:
            pinned.append((seed, recording.first or {}, result.verification))
        if result.reward != 1.0 or not result.success:
            failed = [c.name for c in result.verification.checks if not c.passed]
            report.problems.append(
                f"oracle, seed {seed}: scored {result.reward:.3f}; failed checks: {failed}"
            )
    if len(pinned) == len(FINGERPRINT_SEEDS):
        report.episodes = fingerprint(pinned)
    try:
        noop_policy = make_policy(
            "noop", family=spec.family, task=spec.ref, seed=0, catalog=catalog
        )
        noop = run_episode(env, noop_policy, task=spec.ref, seed=0)
    except SkillGymError as exc:
        report.problems.append(f"no-op: {exc.message}")
    else:
        report.noop_score = noop.reward
        if noop.reward != 0.0 or noop.success:
            report.problems.append(
                f"no-op scored {noop.reward:.3f} (expects 0): the task rewards doing nothing"
            )
    if report.superseded_by is None:
        _check_cheats(env, spec, report)
    return report


def _check_cheats(env: SkillGymEnv, spec: TaskSpec, report: TaskReport) -> None:
    """Play every cheat the family lists for seed 0; each must score below 0.5."""
    try:
        env.reset(seed=0, options={"task": spec.ref})
        cheats = env.cheats()
    except SkillGymError as exc:
        report.problems.append(f"cheats: {exc.message}")
        return
    for name, cheat in cheats.items():
        try:
            result = run_episode(env, cheat, task=spec.ref, seed=0)
        except SkillGymError as exc:
            report.problems.append(f"cheat {name}: {exc.message}")
            continue
        report.cheat_scores[name] = result.reward
        if result.reward >= 0.5 or result.success:
            report.problems.append(
                f"cheat {name!r} scored {result.reward:.3f} (expects < 0.5): the verifier misses it"
            )


def validate(
    catalog: TaskCatalog,
    lock: VersionsLock,
    task_ids: Sequence[str] = (),
    seeds: Sequence[int] = DEFAULT_SEEDS,
) -> Iterator[TaskReport]:
    """Validate every version of the given tasks (all tasks when none are given), one by one."""
    ids = list(task_ids) or catalog.ids()
    for task_id in ids:
        for spec in catalog.versions(task_id):
            report = check_episodes(spec, catalog, seeds)
            report.lock_message = lock.problem(spec, report.episodes)
            if report.lock_message is not None:
                locked = lock.entry(spec.id, spec.version)
                if locked is None:
                    report.lock = "unlocked"
                elif report.episodes is not None and locked.episodes == report.episodes:
                    report.lock = "moved"
                else:
                    report.lock = "changed"
            yield report


def lock_new_versions(
    lock: VersionsLock, reports: Sequence[TaskReport], catalog: TaskCatalog
) -> VersionsLock:
    """``lock`` plus every unlocked version whose episodes passed; changed ones stay refused."""
    ready = [
        (catalog.resolve(r.ref), r.episodes)
        for r in reports
        if r.lock == "unlocked" and r.episodes_ok and r.episodes is not None
    ]
    return lock.adding(ready)
