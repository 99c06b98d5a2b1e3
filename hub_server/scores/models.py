"""The tables: API tokens, runs (a policy on a suite) and their episodes.

A run carries its own summary (mean, confidence interval, success rate, per-family
means), written once when it finishes, so the leaderboard reads one row per run and
never scans episodes. Episodes are append-only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored naive in UTC and read back aware (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """To naive UTC, for the database."""
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Back to an aware UTC time."""
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The scores schema's base: one metadata for the tables and the migrations."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class ApiToken(Base):
    """A per-user API token, kept as a SHA-256 digest of its secret."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(200), doc="Space-separated: submit, admin.")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Run(Base):
    """A policy evaluated on a suite: hub-verified, or uploaded from elsewhere."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    suite: Mapped[str] = mapped_column(String(200))
    policy_name: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(200))
    submitter: Mapped[str] = mapped_column(String(200), doc="The token's name.")
    token_id: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), doc="running, finished or withdrawn.")
    verified: Mapped[bool]
    reference: Mapped[bool] = mapped_column(
        default=False, doc="Played knowing its seeds (a baseline like the oracle); unranked."
    )
    plan: Mapped[list[Any]] = mapped_column(doc="The task reference of each slot, in order.")
    seeds: Mapped[list[Any] | None] = mapped_column(
        doc="Each slot's seed: secret until the run finishes (verified runs)."
    )
    seed_salt: Mapped[str | None] = mapped_column(String(64))
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    episodes: Mapped[int] = mapped_column(default=0)
    mean_score: Mapped[float | None] = mapped_column(default=None)
    ci_low: Mapped[float | None] = mapped_column(default=None)
    ci_high: Mapped[float | None] = mapped_column(default=None)
    success_rate: Mapped[float | None] = mapped_column(default=None)
    family_scores: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        # The leaderboard: finished runs of a suite, best first.
        Index("ix_runs_board", "suite", "status", "verified", "mean_score"),
        Index("ix_runs_created", "created_at"),
    )


class Episode(Base):
    """One episode of a run: the task version, its seed and the verdict."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    slot: Mapped[int]
    task_id: Mapped[str] = mapped_column(String(200), doc="family/name")
    task_version: Mapped[str] = mapped_column(String(64))
    family: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    reward: Mapped[float]
    success: Mapped[bool]
    steps: Mapped[int]
    seconds: Mapped[float]
    verified: Mapped[bool]
    attempt: Mapped[int] = mapped_column(default=1)
    verification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trajectory_ref: Mapped[str | None] = mapped_column(String(500), default=None)
    artifacts: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("run_id", "slot", name="uq_episodes_run_slot"),
        # A task's page: scores per version and run, read from the index alone.
        Index("ix_episodes_task", "task_id", "task_version", "run_id", "reward", "success"),
    )
