"""Runs and episodes: what the hub records, and the leaderboard it ranks from them.

Every method is synchronous and short: the server calls them from its thread pool,
the CLI and the benchmark directly.

Example:
    >>> from skillgym.envs.core.protocol import PolicyRef
    >>> from skillgym.envs.core.suites import Suite
    >>> store = ScoreStore(Database.open("sqlite://"))
    >>> suite = Suite(name="mini", tasks=["arithmetic/sum-list@1.0.0"], seeds=[0, 1])
    >>> run = store.create_run(suite, PolicyRef(name="p"), Principal("alice", frozenset({"submit"})))
    >>> [slot.task for slot in run.slots], run.seeds is None
    (['arithmetic/sum-list@1.0.0', 'arithmetic/sum-list@1.0.0'], True)
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from skillgym.envs.core.errors import ForbiddenError, RequestError, RunNotFoundError, RunStateError
from skillgym.envs.core.protocol import (
    EpisodePublic,
    EpisodeUpload,
    LeaderboardEntry,
    LeaderboardPublic,
    PolicyRef,
    RunPublic,
    RunScore,
    RunSlot,
    TaskRunScore,
    TaskScoresPublic,
    TaskVersionScores,
)
from skillgym.envs.core.suites import Suite
from skillgym.envs.core.tasks import version_key
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.models import Episode, Run, utcnow
from skillgym.hub_server.scores.seeds import commitment, draw_seeds, new_salt
from skillgym.hub_server.scores.stats import summarize
from skillgym.hub_server.scores.tokens import Principal


@dataclass(frozen=True)
class SlotClaim:
    """What a hub session plays for a run's slot: the pinned task and its hidden seed."""

    run_id: str
    slot: int
    task: str
    """family/name@version"""
    family: str
    seed: int
    reference: bool = False
    """The player may see the seed (a reference run)."""


@dataclass
class EpisodeResult:
    """A verdict the hub computed in its own session."""

    reward: float
    success: bool
    steps: int
    seconds: float
    verification: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1
    artifacts: list[str] = field(default_factory=list)
    trajectory_ref: str | None = None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def _split(ref: str) -> tuple[str, str, str]:
    """``family/name@version`` -> (family/name, version, family)."""
    task_id, _, version = ref.partition("@")
    return task_id, version, task_id.split("/", 1)[0]


def _score(run: Any) -> RunScore | None:
    if run.mean_score is None:
        return None
    return RunScore(
        episodes=run.episodes,
        mean=run.mean_score,
        ci_low=run.ci_low or 0.0,
        ci_high=run.ci_high or 0.0,
        success_rate=run.success_rate or 0.0,
        family_scores=run.family_scores or {},
    )


def _episode_public(row: Episode, revealed: bool) -> EpisodePublic:
    return EpisodePublic(
        slot=row.slot,
        task=row.task_id,
        version=row.task_version,
        family=row.family,
        seed=row.seed if revealed else None,
        reward=row.reward,
        success=row.success,
        steps=row.steps,
        seconds=row.seconds,
        verified=row.verified,
        attempt=row.attempt,
        verification=row.verification or {},
        artifacts=row.artifacts or [],
    )


BOARD_COLUMNS = (
    Run.id,
    Run.policy_name,
    Run.policy_version,
    Run.submitter,
    Run.verified,
    Run.reference,
    Run.finished_at,
    Run.episodes,
    Run.mean_score,
    Run.ci_low,
    Run.ci_high,
    Run.success_rate,
    Run.family_scores,
)
"""What a leaderboard row reads of a run (never its plan or seeds)."""


class ScoreStore:
    """Create runs, record their episodes, finish them, rank them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # --- runs -------------------------------------------------------------------------

    def create_run(
        self,
        suite: Suite,
        policy: PolicyRef,
        submitter: Principal,
        *,
        verified: bool = True,
        reference: bool = False,
        episodes_per_task: int | None = None,
    ) -> RunPublic:
        """A new run of ``policy`` on ``suite``; a verified one draws and commits to its seeds."""
        per_task = episodes_per_task or len(suite.seeds)
        plan = [task for task in suite.tasks for _ in range(per_task)] if verified else []
        seeds = draw_seeds(len(plan)) if verified else None
        salt = new_salt() if verified else None
        run = Run(
            id=secrets.token_hex(8),
            suite=suite.name,
            policy_name=policy.name,
            policy_version=policy.version,
            submitter=submitter.name,
            token_id=submitter.token_id,
            created_at=utcnow(),
            status="running",
            verified=verified,
            reference=reference and verified,
            plan=plan,
            seeds=seeds,
            seed_salt=salt,
            seed_commitment=commitment(salt, seeds) if salt and seeds is not None else None,
            family_scores={},
        )
        with self.database.session() as session:
            session.add(run)
        return self._public(run, [])

    def run(self, run_id: str) -> RunPublic:
        """The run, its slots and episodes; seeds only once it has finished."""
        with self.database.session() as session:
            run = self._get(session, run_id)
            rows = session.scalars(
                select(Episode).where(Episode.run_id == run_id).order_by(Episode.slot)
            ).all()
            return self._public(run, list(rows))

    def claim_slot(self, run_id: str, slot: int, principal: Principal | None) -> SlotClaim:
        """The task and hidden seed of an unplayed slot of a running, verified run.

        Raises:
            RunNotFoundError: No such run.
            ForbiddenError: The caller is not the run's submitter (nor an admin).
            RunStateError: The run is not running or not verified, or the slot was played.
            RequestError: No such slot.
        """
        with self.database.session() as session:
            run = self._get(session, run_id)
            self._check_owner(run, principal)
            if not run.verified or run.seeds is None:
                raise RunStateError(
                    f"Run {run_id} is unverified: its episodes are uploaded "
                    "(POST /v1/runs/{id}/episodes), not played here."
                )
            self._check_running(run)
            if not 0 <= slot < len(run.plan):
                raise RequestError(
                    f"Expects a slot of run {run_id} from 0 to {len(run.plan) - 1}, "
                    f"actual value: {slot}"
                )
            played = session.scalar(
                select(Episode.id).where(Episode.run_id == run_id, Episode.slot == slot)
            )
            if played is not None:
                raise RunStateError(f"Slot {slot} of run {run_id} has been played and recorded.")
            task = run.plan[slot]
            return SlotClaim(
                run_id, slot, task, _split(task)[2], int(run.seeds[slot]), run.reference
            )

    def record(self, claim: SlotClaim, result: EpisodeResult) -> None:
        """Record the verdict of a claimed slot, played in the hub's own session.

        Raises:
            RunStateError: The slot was recorded already, or the run ended meanwhile.
        """
        task_id, version, family = _split(claim.task)
        try:
            with self.database.session() as session:
                run = self._get(session, claim.run_id)
                self._check_running(run)
                session.add(
                    Episode(
                        run_id=claim.run_id,
                        slot=claim.slot,
                        task_id=task_id,
                        task_version=version,
                        family=family,
                        seed=claim.seed,
                        reward=result.reward,
                        success=result.success,
                        steps=result.steps,
                        seconds=result.seconds,
                        verified=True,
                        attempt=result.attempt,
                        verification=result.verification,
                        trajectory_ref=result.trajectory_ref,
                        artifacts=result.artifacts,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            raise RunStateError(
                f"Slot {claim.slot} of run {claim.run_id} was recorded by another session."
            ) from None

    def add_episodes(
        self, run_id: str, episodes: list[EpisodeUpload], principal: Principal | None
    ) -> int:
        """Append uploaded episodes to an unverified, running run, in one batch.

        Returns:
            How many episodes the run holds now.
        """
        with self.database.session() as session:
            run = self._get(session, run_id)
            self._check_owner(run, principal)
            self._check_running(run)
            if run.verified:
                raise RunStateError(
                    f"Run {run_id} is verified: the hub records its episodes itself, from its "
                    "own sessions; uploads go to an unverified run (verified: false)."
                )
            return self._insert_uploads(session, run, episodes)

    def _insert_uploads(self, session: Session, run: Run, episodes: list[EpisodeUpload]) -> int:
        first = int(
            session.scalar(
                select(func.coalesce(func.max(Episode.slot) + 1, 0)).where(Episode.run_id == run.id)
            )
            or 0
        )
        now = utcnow()
        rows = []
        for offset, upload in enumerate(episodes):
            task_id, version, family = _split(upload.task)
            if not version or "/" not in task_id:
                raise RequestError(
                    f"Expects episodes[{offset}].task as family/name@version, "
                    f"actual value: {upload.task!r}"
                )
            rows.append(
                {
                    "run_id": run.id,
                    "slot": first + offset,
                    "task_id": task_id,
                    "task_version": version,
                    "family": family,
                    "seed": upload.seed,
                    "reward": upload.reward,
                    "success": upload.success,
                    "steps": upload.steps,
                    "seconds": upload.seconds,
                    "verified": False,
                    "attempt": 1,
                    "verification": upload.verification,
                    "artifacts": [],
                    "created_at": now,
                }
            )
        if rows:
            session.execute(insert(Episode), rows)
        return first + len(rows)

    def finish(self, run_id: str, principal: Principal | None) -> RunPublic:
        """End a run: score it, reveal its seeds. Unplayed slots of a verified run score 0.

        Finishing a finished run returns it as it is.
        """
        with self.database.session() as session:
            run = self._get(session, run_id)
            self._check_owner(run, principal)
            if run.status == "running":
                self._score_run(session, run)
        return self.run(run_id)

    def finish_if_complete(self, run_id: str) -> bool:
        """Finish a verified run whose every slot is recorded; whether it finished now."""
        with self.database.session() as session:
            run = self._get(session, run_id)
            if run.status != "running" or not run.verified:
                return False
            played = session.scalar(select(func.count()).where(Episode.run_id == run_id))
            if played != len(run.plan):
                return False
            self._score_run(session, run)
            return True

    def _score_run(self, session: Session, run: Run) -> None:
        rows = session.execute(
            select(Episode.slot, Episode.reward, Episode.success, Episode.family).where(
                Episode.run_id == run.id
            )
        ).all()
        rewards = [r.reward for r in rows]
        successes = [r.success for r in rows]
        families = [r.family for r in rows]
        if run.verified:  # an unplayed slot counts, as a zero: skipping is not a strategy
            played = {r.slot for r in rows}
            for slot, task in enumerate(run.plan):
                if slot not in played:
                    rewards.append(0.0)
                    successes.append(False)
                    families.append(_split(task)[2])
        summary = summarize(rewards, successes, families, seed=int(run.id[:8], 16))
        run.status = "finished"
        run.finished_at = utcnow()
        run.episodes = summary.episodes
        run.mean_score = summary.mean
        run.ci_low = summary.ci_low
        run.ci_high = summary.ci_high
        run.success_rate = summary.success_rate
        run.family_scores = summary.family_scores

    def withdraw(self, run_id: str) -> None:
        """Take a run off the leaderboard (an admin's call); its episodes stay."""
        with self.database.session() as session:
            self._get(session, run_id).status = "withdrawn"

    # --- reading ----------------------------------------------------------------------

    def suites(self) -> list[str]:
        """Suites with a finished run."""
        with self.database.session() as session:
            return list(
                session.scalars(
                    select(Run.suite).where(Run.status == "finished").distinct().order_by(Run.suite)
                )
            )

    def leaderboard(self, suite: str | None = None) -> LeaderboardPublic:
        """A suite's ranking (default: the suite with the most recent finished run).

        Each policy (name and version) shows its newest finished run; verified runs are
        ranked by mean score, unverified ones listed apart, unranked.
        """
        suites = self.suites()
        with self.database.session() as session:
            if suite is None:
                suite = session.scalar(
                    select(Run.suite)
                    .where(Run.status == "finished")
                    .order_by(Run.finished_at.desc())
                    .limit(1)
                )
            # The newest finished run of each policy, picked by the database: the work
            # grows with the rows shown, not with the suite's history.
            newest = (
                select(
                    *BOARD_COLUMNS,
                    func.row_number()
                    .over(
                        partition_by=(
                            Run.verified,
                            Run.reference,
                            Run.policy_name,
                            Run.policy_version,
                        ),
                        order_by=Run.finished_at.desc(),
                    )
                    .label("newest"),
                )
                .where(Run.suite == suite, Run.status == "finished")
                .subquery()
            )
            runs = (
                session.execute(select(newest).where(newest.c.newest == 1)).all()
                if suite is not None
                else []
            )
        references = sorted((r for r in runs if r.reference), key=lambda r: -(r.mean_score or 0.0))
        verified = sorted(
            (r for r in runs if r.verified and not r.reference),
            key=lambda r: (-(r.mean_score or 0.0), r.finished_at),
        )
        uploaded = sorted(
            (r for r in runs if not r.verified),
            key=lambda r: -(r.mean_score or 0.0),
        )
        return LeaderboardPublic(
            suite=suite,
            suites=suites,
            entries=[self._entry(run, rank) for rank, run in enumerate(verified, 1)],
            unverified=[self._entry(run, None) for run in uploaded],
            references=[self._entry(run, None) for run in references],
        )

    def task_scores(self, task_id: str) -> TaskScoresPublic:
        """How finished runs scored on each version of ``task_id``, newest version first."""
        with self.database.session() as session:
            rows = session.execute(
                select(
                    Episode.task_version,
                    Episode.run_id,
                    func.count().label("n"),
                    func.avg(Episode.reward).label("mean"),
                    func.avg(case((Episode.success, 1.0), else_=0.0)).label("success"),
                )
                .where(Episode.task_id == task_id)
                .group_by(Episode.task_version, Episode.run_id)
            ).all()
            runs = {
                run.id: run
                for run in session.scalars(
                    select(Run).where(Run.id.in_({row.run_id for row in rows}))
                )
            }
        by_version: dict[str, list[TaskRunScore]] = defaultdict(list)
        for row in rows:
            run = runs[row.run_id]
            if run.status != "finished":
                continue
            by_version[row.task_version].append(
                TaskRunScore(
                    run_id=run.id,
                    policy=PolicyRef(name=run.policy_name, version=run.policy_version),
                    verified=run.verified,
                    episodes=row.n,
                    mean=float(row.mean),
                    success_rate=float(row.success),
                )
            )
        versions = sorted(by_version, key=version_key, reverse=True)
        return TaskScoresPublic(
            id=task_id,
            versions=[
                TaskVersionScores(
                    version=v,
                    runs=sorted(by_version[v], key=lambda s: (not s.verified, -s.mean)),
                )
                for v in versions
            ],
        )

    def episode(self, run_id: str, slot: int) -> EpisodePublic:
        """One recorded episode of a run."""
        with self.database.session() as session:
            run = self._get(session, run_id)
            row = session.scalar(
                select(Episode).where(Episode.run_id == run_id, Episode.slot == slot)
            )
            if row is None:
                raise RunNotFoundError(f"Run {run_id} has no recorded episode in slot {slot}.")
            return _episode_public(row, revealed=run.status != "running")

    # --- helpers ----------------------------------------------------------------------

    @staticmethod
    def _get(session: Session, run_id: str) -> Run:
        run = session.get(Run, run_id)
        if run is None:
            raise RunNotFoundError(f"No run {run_id!r} on this hub.")
        return run

    @staticmethod
    def _check_owner(run: Run, principal: Principal | None) -> None:
        if principal is None:
            raise ForbiddenError(f"Run {run.id} takes calls with its submitter's token.")
        if principal.can("admin"):
            return
        same = principal.token_id == run.token_id and principal.name == run.submitter
        if not same:
            raise ForbiddenError(
                f"Run {run.id} belongs to {run.submitter!r}; only its submitter's token "
                "(or an admin token) may play or change it."
            )

    @staticmethod
    def _check_running(run: Run) -> None:
        if run.status != "running":
            raise RunStateError(f"Run {run.id} has {run.status}; start a new run to play more.")

    @staticmethod
    def _entry(run: Any, rank: int | None) -> LeaderboardEntry:
        """A row of the board from a run, or from a row of :data:`BOARD_COLUMNS`."""
        score = _score(run)
        assert score is not None
        return LeaderboardEntry(
            rank=rank,
            run_id=run.id,
            policy=PolicyRef(name=run.policy_name, version=run.policy_version),
            submitter=run.submitter,
            verified=run.verified,
            reference=run.reference,
            finished_at=_iso(run.finished_at),
            score=score,
        )

    @staticmethod
    def _public(run: Run, rows: list[Episode]) -> RunPublic:
        revealed = run.status != "running"
        played = {row.slot for row in rows}
        return RunPublic(
            id=run.id,
            suite=run.suite,
            policy=PolicyRef(name=run.policy_name, version=run.policy_version),
            submitter=run.submitter,
            status=run.status,  # type: ignore[arg-type]
            verified=run.verified,
            reference=run.reference,
            created_at=_iso(run.created_at) or "",
            finished_at=_iso(run.finished_at),
            seed_commitment=run.seed_commitment,
            seed_salt=run.seed_salt if revealed else None,
            seeds=[int(s) for s in run.seeds] if revealed and run.seeds is not None else None,
            slots=[
                RunSlot(slot=i, task=task, env=_split(task)[2], played=i in played)
                for i, task in enumerate(run.plan)
            ],
            score=_score(run),
            episodes=[_episode_public(row, revealed) for row in rows],
        )
