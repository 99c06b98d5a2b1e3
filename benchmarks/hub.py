"""Hub benchmark: episode ingest and leaderboard queries of the scores store, SQLite and PostgreSQL.

Measured through ``ScoreStore`` (what the routes call), on each backend: a SQLite file
in a temporary folder, and a throwaway PostgreSQL server (``tests/postgres_cluster.py``)
when one is installed:

1. ingest: ``--runs`` unverified runs (half on ``core-v1`` with its real task refs, one
   policy per run there, so its leaderboard has that many rows; half on a second suite
   that shares a task, at an older version) take ``--episodes-per-run`` episodes each
   through ``add_episodes`` in batches of ``--batch``: episodes/s (target > 5,000/s).
   Baseline in the same run, on the empty database before it: one episode per call;
   the batched/single ratio is printed;
2. finish: every run scored (mean, bootstrap interval, per-family means): runs/s;
3. a few verified ``core-v1`` runs played slot by slot (``claim_slot`` + ``record``);
4. queries, each a p50/p95 over ``--queries`` calls after one warm-up call:
   ``leaderboard("core-v1")`` (target p50 < 200 ms); the same leaderboard computed
   naively from the episodes table (a GROUP BY over the suite's episodes, then newest
   run per policy, ranked) as the baseline of the ratio, which shows what the per-run
   summary saves; ``task_scores`` of a task two suites share (two versions);
   ``run(<id>)`` of a finished run with all its episodes.

Targets are printed as pass/fail, never asserted. Everything lives in temporary
folders that go on exit, Ctrl-C included.

Run::

    python benchmarks/hub.py                     # 1,000 runs x 1,000 episodes, both backends
    python benchmarks/hub.py --quick             # 50 runs x 100 episodes
    python benchmarks/hub.py --backend sqlite --runs 200 --episodes-per-run 500 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, TypeVar

import numpy as np
from harness import percentile_ms
from sqlalchemy import case, func, select, text

from skillgym.envs.core.protocol import EpisodeUpload, PolicyRef
from skillgym.envs.core.suites import Suite, load_suite
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.models import Episode, Run
from skillgym.hub_server.scores.store import EpisodeResult, ScoreStore
from skillgym.hub_server.scores.tokens import Principal

REPO = Path(__file__).resolve().parents[1]
BOARD_SUITE = "core-v1"
# The other half of the runs: arithmetic tasks and an older version of a core-v1 task,
# so that task's page holds two versions.
SHARED_TASK = "flight/family-trip"
OTHER_SUITE = Suite(
    name="bench-mixed",
    tasks=[
        "arithmetic/sum-list@1.0.0",
        "arithmetic/compound-interest@1.0.0",
        f"{SHARED_TASK}@1.0.1",
        "spreadsheet/loan-amortization@1.0.1",
    ],
    seeds=[0],
)
SINGLE_SUITE = Suite(name="bench-single", tasks=["flight/family-trip@1.1.0"], seeds=[0])
T = TypeVar("T")
PRINCIPAL = Principal("bench", frozenset({"submit"}), token_id="bench")
TARGET_INGEST_PER_S = 5_000.0
TARGET_BOARD_P50_MS = 200.0


@dataclass(frozen=True)
class Plan:
    """Sizes of one benchmark run."""

    runs: int
    episodes_per_run: int
    batch: int
    single: int
    verified_runs: int
    verified_per_task: int
    queries: int


# ---- workload --------------------------------------------------------------------


def uploads(
    rng: np.random.Generator, tasks: list[str], skill: float, start: int, count: int
) -> list[EpisodeUpload]:
    """``count`` episodes of a policy of mean reward ``skill``, tasks round robin from ``start``.

    Built as validated models arrive from the route (``model_construct``: the values are
    in range by construction), outside every timed section.
    """
    rewards = np.clip(rng.normal(skill, 0.25, count), 0.0, 1.0)
    steps = rng.integers(1, 40, count)
    seconds = rng.gamma(2.0, 5.0, count)
    n = len(tasks)
    return [
        EpisodeUpload.model_construct(
            task=tasks[(start + k) % n],
            seed=(start + k) // n,
            reward=float(rewards[k]),
            success=bool(rewards[k] >= 0.8),
            steps=int(steps[k]),
            seconds=float(seconds[k]),
            verification={"checks": 4, "passed": int(rewards[k] * 4)},
        )
        for k in range(count)
    ]


def run_suite(index: int, core: Suite) -> Suite:
    """Even runs play core-v1, odd runs the other suite."""
    return core if index % 2 == 0 else OTHER_SUITE


def run_policy(index: int) -> PolicyRef:
    """Runs 2k and 2k+1 share policy k: one run of each policy on each suite."""
    return PolicyRef(name=f"policy-{index // 2:05d}", version="bench")


# ---- measurements ----------------------------------------------------------------


def stats_ms(samples: list[float]) -> dict[str, float]:
    """p50/p95/mean of ``samples`` (seconds), in ms."""
    return {
        "p50_ms": percentile_ms(samples, 0.50),
        "p95_ms": percentile_ms(samples, 0.95),
        "mean_ms": sum(samples) / len(samples) * 1000.0,
        "calls": len(samples),
    }


def sample(call: Callable[[], T], calls: int) -> tuple[list[float], T]:
    """One untimed warm-up call, then ``calls`` timed ones; the durations and the last result."""
    result = call()
    durations = []
    for _ in range(calls):
        started = time.perf_counter()
        result = call()
        durations.append(time.perf_counter() - started)
    return durations, result


def measure_single(store: ScoreStore, plan: Plan, rng: np.random.Generator) -> dict[str, Any]:
    """The baseline: one episode per ``add_episodes`` call, on the empty database."""
    run = store.create_run(SINGLE_SUITE, PolicyRef(name="single"), PRINCIPAL, verified=False)
    episodes = uploads(rng, SINGLE_SUITE.tasks, 0.5, 0, plan.single)
    spent = 0.0
    for episode in episodes:
        started = time.perf_counter()
        store.add_episodes(run.id, [episode], PRINCIPAL)
        spent += time.perf_counter() - started
    return {"episodes": plan.single, "seconds": spent, "episodes_per_s": plan.single / spent}


def ingest(
    store: ScoreStore, plan: Plan, core: Suite, rng: np.random.Generator
) -> tuple[dict[str, Any], list[str]]:
    """Create the runs, then upload every run's episodes in batches; progress every 10%."""
    started = time.perf_counter()
    run_ids = [
        store.create_run(run_suite(i, core), run_policy(i), PRINCIPAL, verified=False).id
        for i in range(plan.runs)
    ]
    create_s = time.perf_counter() - started
    print(
        f"  create runs        {plan.runs:>9,} runs in {create_s:6.2f} s  "
        f"{plan.runs / create_s:>10,.0f} runs/s",
        flush=True,
    )
    total = plan.runs * plan.episodes_per_run
    spent = 0.0
    calls = 0
    wall = time.perf_counter()
    next_report = 1
    for i, run_id in enumerate(run_ids):
        tasks = run_suite(i, core).tasks
        skill = float(rng.uniform(0.1, 0.9))
        for start in range(0, plan.episodes_per_run, plan.batch):
            batch = uploads(
                rng, tasks, skill, start, min(plan.batch, plan.episodes_per_run - start)
            )
            clock = time.perf_counter()
            held = store.add_episodes(run_id, batch, PRINCIPAL)
            spent += time.perf_counter() - clock
            calls += 1
        if held != plan.episodes_per_run:
            raise RuntimeError(f"run {run_id} holds {held} episodes, not {plan.episodes_per_run}")
        while next_report <= 10 and (i + 1) * 10 >= next_report * plan.runs:
            done = (i + 1) * plan.episodes_per_run
            print(
                f"  ingest {next_report * 10:>3}%  {i + 1:>6,}/{plan.runs:,} runs, "
                f"{done:>11,} episodes, {done / spent:>8,.0f} episodes/s in the store, "
                f"{time.perf_counter() - wall:6.1f} s wall",
                flush=True,
            )
            next_report += 1
    figures = {
        "runs": plan.runs,
        "episodes": total,
        "batch": plan.batch,
        "calls": calls,
        "seconds": spent,
        "wall_seconds": time.perf_counter() - wall,
        "episodes_per_s": total / spent,
        "create_runs_seconds": create_s,
        "create_runs_per_s": plan.runs / create_s,
    }
    return figures, run_ids


def finish_all(store: ScoreStore, run_ids: list[str]) -> dict[str, Any]:
    """Finish (score) every run: mean, bootstrap interval, per-family means."""
    started = time.perf_counter()
    for run_id in run_ids:
        store.finish(run_id, PRINCIPAL)
    seconds = time.perf_counter() - started
    return {"runs": len(run_ids), "seconds": seconds, "runs_per_s": len(run_ids) / seconds}


def verified_runs(
    store: ScoreStore, plan: Plan, core: Suite, rng: np.random.Generator
) -> dict[str, Any]:
    """A few verified core-v1 runs, every slot claimed and recorded one by one, then finished."""
    episodes = 0
    started = time.perf_counter()
    for k in range(plan.verified_runs):
        run = store.create_run(
            core,
            PolicyRef(name=f"verified-{k:02d}", version="bench"),
            PRINCIPAL,
            verified=True,
            episodes_per_task=plan.verified_per_task,
        )
        skill = float(rng.uniform(0.1, 0.9))
        for slot in range(len(run.slots)):
            claim = store.claim_slot(run.id, slot, PRINCIPAL)
            reward = float(np.clip(rng.normal(skill, 0.25), 0.0, 1.0))
            store.record(claim, EpisodeResult(reward, reward >= 0.8, 10, 5.0))
            episodes += 1
        if not store.finish_if_complete(run.id):
            raise RuntimeError(f"verified run {run.id} did not finish with every slot recorded")
    seconds = time.perf_counter() - started
    return {
        "runs": plan.verified_runs,
        "episodes": episodes,
        "seconds": seconds,
        "episodes_per_s": episodes / seconds if seconds else 0.0,
    }


def naive_leaderboard(store: ScoreStore, suite: str) -> dict[str, Any]:
    """The leaderboard from the episodes table: a GROUP BY per run, newest run per policy."""
    with store.database.session() as session:
        rows = session.execute(
            select(
                Run.id,
                Run.policy_name,
                Run.policy_version,
                Run.verified,
                Run.finished_at,
                func.count().label("n"),
                func.avg(Episode.reward).label("mean"),
                func.avg(case((Episode.success, 1.0), else_=0.0)).label("success"),
            )
            .join(Episode, Episode.run_id == Run.id)
            .where(Run.suite == suite, Run.status == "finished")
            .group_by(Run.id, Run.policy_name, Run.policy_version, Run.verified, Run.finished_at)
            .order_by(Run.finished_at.desc())
        ).all()
    newest: dict[tuple[bool, str, str], Any] = {}
    for row in rows:
        newest.setdefault((row.verified, row.policy_name, row.policy_version), row)
    ranked = sorted((r for r in newest.values() if r.verified), key=lambda r: -float(r.mean))
    uploaded = sorted((r for r in newest.values() if not r.verified), key=lambda r: -float(r.mean))
    return {
        "entries": [(r.id, float(r.mean)) for r in ranked],
        "unverified": [(r.id, float(r.mean)) for r in uploaded],
    }


def queries(store: ScoreStore, plan: Plan, run_ids: list[str]) -> dict[str, Any]:
    """Leaderboard, its naive baseline, a task's scores and a run's page: p50/p95 each."""
    figures: dict[str, Any] = {}
    durations, board = sample(lambda: store.leaderboard(BOARD_SUITE), plan.queries)
    figures["leaderboard"] = {
        **stats_ms(durations),
        "suite": BOARD_SUITE,
        "entries": len(board.entries),
        "unverified": len(board.unverified),
    }
    durations, naive = sample(lambda: naive_leaderboard(store, BOARD_SUITE), plan.queries)
    # A summary's mean is the mean of its run's episodes: both boards list the same runs
    # in the same order, with the same means.
    stored = [(e.run_id, e.score.mean) for e in [*board.entries, *board.unverified]]
    counted = [*naive["entries"], *naive["unverified"]]
    agrees = [r for r, _ in stored] == [r for r, _ in counted] and all(
        abs(a - b) < 1e-9 for (_, a), (_, b) in zip(stored, counted, strict=True)
    )
    figures["naive_leaderboard"] = {
        **stats_ms(durations),
        "entries": len(naive["entries"]),
        "unverified": len(naive["unverified"]),
        "same_runs_and_means": agrees,
    }
    figures["naive_over_leaderboard_p50"] = (
        figures["naive_leaderboard"]["p50_ms"] / figures["leaderboard"]["p50_ms"]
    )
    durations, scores = sample(lambda: store.task_scores(SHARED_TASK), plan.queries)
    figures["task_scores"] = {
        **stats_ms(durations),
        "task": SHARED_TASK,
        "versions": [v.version for v in scores.versions],
        "runs": sum(len(v.runs) for v in scores.versions),
    }
    picks = [run_ids[(i * 7919) % len(run_ids)] for i in range(plan.queries + 1)]
    turn = iter(picks)
    durations, page = sample(lambda: store.run(next(turn)), plan.queries)
    figures["run"] = {**stats_ms(durations), "episodes": len(page.episodes)}
    return figures


def database_mb(store: ScoreStore, backend: str, path: Path | None) -> float:
    """The database's size on disk, in MB (SQLite: the file and its WAL)."""
    if backend == "sqlite":
        assert path is not None
        files = [path, path.with_name(path.name + "-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 1e6
    with store.database.engine.connect() as conn:
        return (
            float(conn.execute(text("SELECT pg_database_size(current_database())")).scalar()) / 1e6
        )


# ---- one backend -----------------------------------------------------------------


def bench_backend(backend: str, url: str, plan: Plan, sqlite_path: Path | None) -> dict[str, Any]:
    """Every measurement on one fresh database."""
    core = load_suite(BOARD_SUITE)
    rng = np.random.default_rng(20261207)
    database = Database.open(url)
    report: dict[str, Any] = {"backend": backend}
    try:
        store = ScoreStore(database)
        single = measure_single(store, plan, rng)
        report["single"] = single
        ingested, run_ids = ingest(store, plan, core, rng)
        ingested["batched_over_single"] = ingested["episodes_per_s"] / single["episodes_per_s"]
        report["ingest"] = ingested
        verdict = "PASS" if ingested["episodes_per_s"] > TARGET_INGEST_PER_S else "FAIL"
        print(
            f"  ingest, batched    {ingested['episodes']:>9,} episodes in {ingested['seconds']:6.1f} s "
            f"{ingested['episodes_per_s']:>10,.0f} episodes/s  "
            f"[{verdict}] > {TARGET_INGEST_PER_S:,.0f}/s\n"
            f"  ingest, single     {single['episodes']:>9,} episodes in {single['seconds']:6.1f} s "
            f"{single['episodes_per_s']:>10,.0f} episodes/s  "
            f"batched/single {ingested['batched_over_single']:.1f}x",
            flush=True,
        )
        report["finish"] = finish_all(store, run_ids)
        fin = report["finish"]
        print(
            f"  finish             {fin['runs']:>9,} runs in {fin['seconds']:6.1f} s     "
            f"{fin['runs_per_s']:>10,.1f} runs/s",
            flush=True,
        )
        report["verified"] = verified_runs(store, plan, core, rng)
        ver = report["verified"]
        print(
            f"  verified runs      {ver['runs']:>9,} runs, {ver['episodes']:,} episodes claimed and "
            f"recorded one by one in {ver['seconds']:.1f} s: {ver['episodes_per_s']:,.0f} episodes/s",
            flush=True,
        )
        report["expected"] = {
            "entries": plan.verified_runs,
            "unverified": len(range(0, plan.runs, 2)),
        }
        found = queries(store, plan, run_ids)
        report["queries"] = found
        board, naive = found["leaderboard"], found["naive_leaderboard"]
        verdict = "PASS" if board["p50_ms"] < TARGET_BOARD_P50_MS else "FAIL"
        print(
            f"  leaderboard({BOARD_SUITE!r}) p50 {board['p50_ms']:8.1f} ms, p95 {board['p95_ms']:8.1f} ms  "
            f"({board['entries']} ranked, {board['unverified']} unverified)  "
            f"[{verdict}] p50 < {TARGET_BOARD_P50_MS:.0f} ms\n"
            f"  naive GROUP BY     p50 {naive['p50_ms']:8.1f} ms, p95 {naive['p95_ms']:8.1f} ms  "
            f"= {found['naive_over_leaderboard_p50']:.1f}x the leaderboard's p50 "
            f"(same runs and means: {naive['same_runs_and_means']})",
            flush=True,
        )
        scores, page = found["task_scores"], found["run"]
        print(
            f"  task_scores({SHARED_TASK!r}) p50 {scores['p50_ms']:.1f} ms, p95 {scores['p95_ms']:.1f} ms "
            f"({scores['runs']} runs over versions {', '.join(scores['versions'])})\n"
            f"  run(<id>)          p50 {page['p50_ms']:8.1f} ms, p95 {page['p95_ms']:8.1f} ms  "
            f"({page['episodes']} episodes)",
            flush=True,
        )
        report["database_mb"] = database_mb(store, backend, sqlite_path)
        print(f"  database size      {report['database_mb']:,.0f} MB", flush=True)
    finally:
        database.close()
    return report


def load_postgres_cluster() -> ModuleType:
    """``tests/postgres_cluster.py``, loaded by path (the repo root on sys.path would shadow
    the installed ``skillgym`` package with the repository's ``skillgym/`` folder)."""
    path = REPO / "tests" / "postgres_cluster.py"
    spec = importlib.util.spec_from_file_location("skillgym_bench_postgres_cluster", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def backend_url(backend: str) -> Iterator[tuple[str, Path | None] | str]:
    """A fresh database's URL (and SQLite's file), or why the backend is skipped."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="skillgym-hub-bench-") as tmp:
            path = Path(tmp) / "hub.db"
            yield f"sqlite:///{path}", path
        return
    pg = load_postgres_cluster()
    if pg.find_pg_bin() is None:
        yield (
            "PostgreSQL skipped: not installed (no initdb under /usr/lib/postgresql/*/bin nor "
            "on PATH; `make setup` installs Debian's postgresql)"
        )
        return
    with pg.PostgresCluster() as cluster:
        yield cluster.create_database("hub_bench"), None


# ---- entry point -----------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (50 x 100)")
    parser.add_argument("--runs", type=int, help="unverified runs (default 1000; quick 50)")
    parser.add_argument(
        "--episodes-per-run", type=int, help="episodes per run (default 1000; quick 100)"
    )
    parser.add_argument("--batch", type=int, default=1000, help="episodes per add_episodes call")
    parser.add_argument(
        "--single", type=int, help="one-episode calls of the baseline (default 2000; quick 200)"
    )
    parser.add_argument("--queries", type=int, help="timed calls per query (default 50; quick 10)")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="default both"
    )
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    for name in ("runs", "episodes_per_run", "batch", "single", "queries"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} expects a positive number, actual: {value}")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    """The sizes: the flags, else the full or quick defaults."""
    quick = args.quick
    return Plan(
        runs=args.runs or (50 if quick else 1000),
        episodes_per_run=args.episodes_per_run or (100 if quick else 1000),
        batch=args.batch,
        single=args.single or (200 if quick else 2000),
        verified_runs=2 if quick else 4,
        verified_per_task=2 if quick else 8,
        queries=args.queries or (10 if quick else 50),
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> None:
    """Run every measurement on each backend and print the figures with their ratios."""
    args = parse_args(argv)
    plan = make_plan(args)
    signal.signal(signal.SIGTERM, _interrupt)  # clean up on SIGTERM as on Ctrl-C
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    report: dict[str, Any] = {
        "quick": args.quick,
        "plan": plan.__dict__,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "backends": {},
        "skipped": {},
    }
    print(
        f"SkillGym hub benchmark: {plan.runs:,} runs x {plan.episodes_per_run:,} episodes "
        f"(batches of {plan.batch:,}), {plan.verified_runs} verified runs, {plan.queries} calls "
        f"per query; {os.cpu_count()} CPUs, {'quick' if args.quick else 'full'}",
        flush=True,
    )
    started = time.perf_counter()
    try:
        for backend in backends:
            with backend_url(backend) as target:
                if isinstance(target, str):
                    report["skipped"][backend] = target
                    print(f"\n{target}", flush=True)
                    continue
                url, path = target
                print(f"\n{backend}:", flush=True)
                clock = time.perf_counter()
                figures = bench_backend(backend, url, plan, path)
                figures["seconds"] = time.perf_counter() - clock
                report["backends"][backend] = figures
                print(f"  ({figures['seconds']:.0f} s for this backend)", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: the temporary databases are gone", file=sys.stderr)
        sys.exit(130)
    report["seconds"] = time.perf_counter() - started
    print(f"\n{report['seconds']:.0f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
