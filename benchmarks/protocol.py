"""Protocol benchmark: what SkillGym's wire protocol costs on the arithmetic reference env.

Measured, for ``arithmetic/sum-list`` (a step costs microseconds, so what is left is
SkillGym's own plumbing):

1. in-process ``ArithmeticEnv``, one session in a tight loop (the baseline);
2. sync HTTP (``RemoteEnv``, ``transport="http"``) and 3. sync WebSocket;
4. async HTTP (``AsyncRemoteEnv``, ``transport="http"``) and 5. async WebSocket;
   each at 1, 32 and 256 concurrent sessions (sync: one thread and one ``RemoteEnv``
   per session; async: one coroutine per session on one event loop);
6. OpenEnv (``openenv-core``) serving the same arithmetic env through its own server
   and client (``benchmarks/openenv_peer.py``), so both stacks do identical env work,
   at the same concurrencies, with our async WebSocket steps/s divided by OpenEnv's
   (paired rounds: ours then OpenEnv, three times per concurrency, with both servers
   up, so a slow spell of a shared machine hits both; medians are printed);
7. first connect + reset latency (median over fresh sessions), ours vs OpenEnv's.

How: the SkillGym server (``skillgym serve``) and OpenEnv's server each run in their
own subprocess on 127.0.0.1; the clients run in this process. Every
session is created, reset and warmed up (untimed), reset again, then all sessions
step together. Steps/s = total steps / wall time of that stepping phase; latency is
the time around each ``step`` call (p50/p99, nearest rank). The task truncates every
10 steps, so the stepping phase also holds the resets that start the next episode
(about one call in eleven), on both stacks alike. Targets are printed as pass/fail,
never asserted.

Run::

    python benchmarks/protocol.py                 # full run (~1.5-2 minutes on 2 cores)
    python benchmarks/protocol.py --quick         # smoke test, small counts
    python benchmarks/protocol.py --json out.json --skip-openenv
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from harness import (
    HEADER,
    HOST,
    BenchError,
    Row,
    attempt,
    capture_client_logs,
    describe,
    free_port,
    make_row,
    median_ms,
    median_row,
    print_row,
    server_log_problems,
    stop_process,
    summarize_errors,
    wait_healthy,
)
from protocol_report import (
    Load,
    Plan,
    Report,
    add_row,
    evaluate_targets,
    print_comparison,
    print_first_connect,
    print_problems,
    print_targets,
    write_json,
)

from skillgym.clients import AsyncRemoteEnv, RemoteEnv, Timeout
from skillgym.envs.arithmetic import ArithmeticEnv

ENV_NAME = "arithmetic"
TASK = "arithmetic/sum-list"
TASK_PINNED = "arithmetic/sum-list@1.0.0"
ACTION = '{"tool": "calculate", "args": {"expression": "1+2"}}'
MAX_SESSIONS = 2048
# Bounds a failing run: a hung call fails after this instead of the default 120 s.
CLIENT_TIMEOUT = Timeout(connect=10.0, read=30.0)
PHASE_TIMEOUT_S = 120.0

Transport = Literal["http", "websocket"]


FULL_PLAN = Plan(
    inprocess_steps=20_000,
    inprocess_warmup=2_000,
    loads=(Load(1, 2_000, 200), Load(32, 100, 10), Load(256, 20, 2)),
    first_connect_samples=10,
    comparison_rounds=3,
)
QUICK_PLAN = Plan(
    inprocess_steps=2_000,
    inprocess_warmup=200,
    loads=(Load(1, 200, 20), Load(32, 10, 2), Load(256, 3, 1)),
    first_connect_samples=3,
    comparison_rounds=1,
)


# ---- statistics ------------------------------------------------------------------


# ---- client-side log capture (retries and warnings must not pass silently) -------


# ---- servers ---------------------------------------------------------------------


def skillgym_command(port: int) -> list[str]:
    """The ``skillgym serve`` command line of this virtualenv."""
    script = Path(sys.executable).with_name("skillgym")
    prefix = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from skillgym.cli import main; main()"]
    )
    return [
        *prefix,
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--max-sessions",
        str(MAX_SESSIONS),
    ]


def start_skillgym_server(port: int, log_path: Path) -> subprocess.Popen:
    """Start ``skillgym serve`` in a subprocess, its output going to ``log_path``."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(skillgym_command(port), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(proc, f"http://{HOST}:{port}/healthz")
    except BaseException:
        stop_process(proc)
        raise
    return proc


# ---- 1. in-process ---------------------------------------------------------------
def step_inprocess(env: ArithmeticEnv, steps: int, latencies: list[float] | None) -> None:
    """Step ``env`` ``steps`` times, resetting when an episode ends."""
    perf = time.perf_counter
    for _ in range(steps):
        t0 = perf()
        _, _, terminated, truncated, _ = env.step(ACTION)
        if latencies is not None:
            latencies.append(perf() - t0)
        if terminated or truncated:
            env.reset()


def measure_inprocess(steps: int, warmup: int) -> Row:
    """One in-process ``ArithmeticEnv`` in a tight loop."""
    env = ArithmeticEnv(task=TASK_PINNED)
    env.reset(seed=0)
    step_inprocess(env, warmup, None)
    env.reset(seed=0)
    latencies: list[float] = []
    t0 = time.perf_counter()
    step_inprocess(env, steps, latencies)
    seconds = time.perf_counter() - t0
    env.close()
    return make_row("in-process", 1, steps, seconds, latencies)


# ---- 2./3. sync client, one thread per session ---------------------------------
def step_sync(env: RemoteEnv, steps: int, latencies: list[float] | None) -> None:
    """Step a ``RemoteEnv`` ``steps`` times, resetting when an episode ends."""
    perf = time.perf_counter
    needs_reset = False
    for _ in range(steps):
        if needs_reset:
            env.reset()
        t0 = perf()
        _, _, terminated, truncated, _ = env.step(ACTION)
        if latencies is not None:
            latencies.append(perf() - t0)
        needs_reset = terminated or truncated


def measure_sync(base_url: str, transport: Transport, load: Load) -> Row:
    """``load.sessions`` threads, each with its own ``RemoteEnv``, stepping together.

    Raises:
        BenchError: With every distinct error the workers hit, or when they hang.
    """
    ready = threading.Barrier(load.sessions + 1)
    done = threading.Barrier(load.sessions + 1)
    latencies: list[list[float]] = [[] for _ in range(load.sessions)]
    errors: list[str] = []

    def fail(exc: BaseException) -> None:
        errors.append(describe(exc))
        ready.abort()
        done.abort()

    def worker(i: int) -> None:
        env: RemoteEnv | None = None
        try:
            env = RemoteEnv(
                base_url, env=ENV_NAME, task=TASK, transport=transport, timeout=CLIENT_TIMEOUT
            )
            env.reset(seed=i)
            step_sync(env, load.warmup, None)
            env.reset(seed=i)
            ready.wait(timeout=PHASE_TIMEOUT_S)
            step_sync(env, load.steps, latencies[i])
            done.wait(timeout=PHASE_TIMEOUT_S)
        except threading.BrokenBarrierError:
            pass  # another worker failed; its error is recorded
        except BaseException as exc:
            fail(exc)
        finally:
            if env is not None:
                try:
                    env.close()
                except BaseException as exc:
                    errors.append(f"close: {describe(exc)}")

    threads = [
        threading.Thread(target=worker, args=(i,), daemon=True) for i in range(load.sessions)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    seconds = setup_s = 0.0
    try:
        ready.wait(timeout=PHASE_TIMEOUT_S)
        t0 = time.perf_counter()
        setup_s = t0 - started
        done.wait(timeout=PHASE_TIMEOUT_S)
        seconds = time.perf_counter() - t0
    except threading.BrokenBarrierError:
        if not errors:
            errors.append(
                f"workers did not reach the barrier within {PHASE_TIMEOUT_S:.0f} s (hang)"
            )
        ready.abort()
        done.abort()
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = sum(t.is_alive() for t in threads)
    if alive:
        errors.append(
            f"{alive} of {load.sessions} threads still running after {PHASE_TIMEOUT_S:.0f} s (hang)"
        )
    if errors:
        opened = f" (opening the sessions took {setup_s:.1f} s)" if setup_s else ""
        raise BenchError(summarize_errors(errors) + opened)
    merged = [x for per_session in latencies for x in per_session]
    row = make_row(f"sync {transport}", load.sessions, load.sessions * load.steps, seconds, merged)
    row.setup_s = setup_s
    return row


# ---- 4./5. async client, one coroutine per session -----------------------------
async def step_async(env: AsyncRemoteEnv, steps: int, latencies: list[float] | None) -> None:
    """Step an ``AsyncRemoteEnv`` ``steps`` times, resetting when an episode ends."""
    perf = time.perf_counter
    needs_reset = False
    for _ in range(steps):
        if needs_reset:
            await env.reset()
        t0 = perf()
        _, _, terminated, truncated, _ = await env.step(ACTION)
        if latencies is not None:
            latencies.append(perf() - t0)
        needs_reset = terminated or truncated


async def gather_or_raise(what: str, calls: list[Awaitable[Any]]) -> None:
    """Await ``calls`` together; raise one ``BenchError`` naming every distinct failure."""
    results = await asyncio.wait_for(
        asyncio.gather(*calls, return_exceptions=True), timeout=PHASE_TIMEOUT_S
    )
    errors = [describe(r) for r in results if isinstance(r, BaseException)]
    if errors:
        raise BenchError(f"{what}: {summarize_errors(errors)}")


async def measure_async(base_url: str, transport: Transport, load: Load) -> Row:
    """``load.sessions`` coroutines on this loop, each with its own ``AsyncRemoteEnv``."""
    envs = [
        AsyncRemoteEnv(
            base_url, env=ENV_NAME, task=TASK, transport=transport, timeout=CLIENT_TIMEOUT
        )
        for _ in range(load.sessions)
    ]

    async def prepare(i: int, env: AsyncRemoteEnv) -> None:
        await env.open()
        await env.reset(seed=i)
        await step_async(env, load.warmup, None)
        await env.reset(seed=i)

    latencies: list[float] = []
    started = time.perf_counter()
    try:
        await gather_or_raise("open/reset", [prepare(i, env) for i, env in enumerate(envs)])
        t0 = time.perf_counter()
        await gather_or_raise("step", [step_async(env, load.steps, latencies) for env in envs])
        seconds = time.perf_counter() - t0
    finally:
        closed = await asyncio.gather(*(env.close() for env in envs), return_exceptions=True)
    close_errors = [describe(r) for r in closed if isinstance(r, BaseException)]
    if close_errors:
        raise BenchError(f"close: {summarize_errors(close_errors)}")
    row = make_row(
        f"async {transport}", load.sessions, load.sessions * load.steps, seconds, latencies
    )
    row.setup_s = t0 - started
    return row


# ---- 7. first connect + reset ----------------------------------------------------
async def first_connect_async_ws(base_url: str, samples: int) -> list[float]:
    """Seconds for ``open()`` + ``reset()`` of fresh ``AsyncRemoteEnv`` WebSocket sessions."""
    out: list[float] = []
    for i in range(samples):
        env = AsyncRemoteEnv(
            base_url, env=ENV_NAME, task=TASK, transport="websocket", timeout=CLIENT_TIMEOUT
        )
        try:
            t0 = time.perf_counter()
            await env.open()
            await env.reset(seed=i)
            out.append(time.perf_counter() - t0)
        finally:
            await env.close()
    return out


def first_connect_sync_http(base_url: str, samples: int) -> list[float]:
    """Seconds for constructing + ``reset()`` of fresh ``RemoteEnv`` HTTP sessions."""
    out: list[float] = []
    for i in range(samples):
        t0 = time.perf_counter()
        env = RemoteEnv(base_url, env=ENV_NAME, task=TASK, transport="http", timeout=CLIENT_TIMEOUT)
        try:
            env.reset(seed=i)
            out.append(time.perf_counter() - t0)
        finally:
            env.close()
    return out


# ---- running the paths -----------------------------------------------------------


@contextlib.contextmanager
def skillgym_server(log_path: Path) -> Iterator[str]:
    """``skillgym serve`` in a subprocess for the duration of the block; yields its URL."""
    port = free_port()
    proc = start_skillgym_server(port, log_path)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        stop_process(proc)


@contextlib.contextmanager
def openenv_server(peer: ModuleType) -> Iterator[str]:
    """OpenEnv's server (``openenv_peer``) in a subprocess; yields its URL."""
    port = free_port()
    proc = peer.start_openenv_server(port)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        stop_process(proc)


def run_skillgym_rows(plan: Plan, report: Report, baseline: float, base_url: str) -> None:
    """Measure rows 2-5 and our first connect+reset against the server at ``base_url``."""
    for transport in ("http", "websocket"):
        for load in plan.loads:
            row = attempt(
                f"sync {transport}",
                load.sessions,
                lambda t=transport, ld=load: measure_sync(base_url, t, ld),
            )
            add_row(report, row, baseline)
    for transport in ("http", "websocket"):
        for load in plan.loads:
            row = attempt(
                f"async {transport}",
                load.sessions,
                lambda t=transport, ld=load: asyncio.run(measure_async(base_url, t, ld)),
            )
            add_row(report, row, baseline)
    report.first_connect_ms["ours async websocket (open+reset)"] = median_ms(
        lambda: asyncio.run(first_connect_async_ws(base_url, plan.first_connect_samples))
    )
    report.first_connect_ms["ours sync http (construct+reset)"] = median_ms(
        lambda: first_connect_sync_http(base_url, plan.first_connect_samples)
    )


def import_openenv_peer() -> ModuleType | None:
    """``benchmarks/openenv_peer.py``, or None when ``openenv-core`` is not installed."""
    try:
        import openenv_peer
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "openenv":
            return None
        raise
    return openenv_peer


async def openenv_first_connects(peer: ModuleType, base_url: str, samples: int) -> list[float]:
    """OpenEnv's ``first_connect_reset_s`` over ``samples`` fresh one-step sessions."""
    out: list[float] = []
    for _ in range(samples):
        res = await peer.measure_openenv(base_url, 1, 1)
        out.append(res["first_connect_reset_s"])
    return out


def measure_openenv_row(peer: ModuleType, base_url: str, load: Load) -> Row:
    """One OpenEnv row: an untimed warm-up run, then the timed run."""
    asyncio.run(peer.measure_openenv(base_url, load.sessions, max(1, load.warmup)))
    res = asyncio.run(peer.measure_openenv(base_url, load.sessions, load.steps))
    return make_row("openenv ws", load.sessions, res["steps"], res["seconds"], res["latencies"])


def compare_with_openenv(
    plan: Plan, report: Report, peer: ModuleType, ours_url: str, theirs_url: str
) -> None:
    """Paired rounds per concurrency: our async WebSocket, then OpenEnv, alternating.

    Both servers are up (the idle one costs nothing), so a slow spell of this machine
    hits both sides of a pair; the ratio printed is the median of the paired ratios.
    """
    for load in plan.loads:
        ours: list[Row] = []
        theirs: list[Row] = []
        for _ in range(plan.comparison_rounds):
            ours.append(
                attempt(
                    "async websocket",
                    load.sessions,
                    lambda ld=load: asyncio.run(measure_async(ours_url, "websocket", ld)),
                )
            )
            theirs.append(
                attempt(
                    "openenv ws",
                    load.sessions,
                    lambda ld=load: measure_openenv_row(peer, theirs_url, ld),
                )
            )
        failed = [r for r in ours + theirs if r.error is not None]
        representative = median_row(theirs) or theirs[-1]
        report.openenv.append(representative)
        print_row(representative)
        ratios = [
            a.steps_per_s / b.steps_per_s
            for a, b in zip(ours, theirs, strict=True)
            if a.error is None and b.error is None and b.steps_per_s > 0
        ]
        best_ours, best_theirs = median_row(ours), median_row(theirs)
        report.comparison.append(
            {
                "sessions": load.sessions,
                "rounds": plan.comparison_rounds,
                "ours_steps_per_s": best_ours.steps_per_s if best_ours else None,
                "openenv_steps_per_s": best_theirs.steps_per_s if best_theirs else None,
                "ours_runs": [r.steps_per_s for r in ours if r.error is None],
                "openenv_runs": [r.steps_per_s for r in theirs if r.error is None],
                "ratio": statistics.median(ratios) if ratios else None,
                "errors": [f"{r.path}: {r.error}" for r in failed],
            }
        )


def run_openenv(plan: Plan, report: Report, ours_url: str) -> None:
    """Start OpenEnv's server, compare at every load, measure its first connect, stop it."""
    peer = import_openenv_peer()
    if peer is None:
        report.openenv_skipped = (
            "OpenEnv skipped: `openenv-core` is not installed (pip install -e '.[bench]')."
        )
        print(report.openenv_skipped, flush=True)
        return
    with openenv_server(peer) as theirs_url:
        compare_with_openenv(plan, report, peer, ours_url, theirs_url)
        report.first_connect_ms["openenv (connect+reset)"] = median_ms(
            lambda: asyncio.run(
                openenv_first_connects(peer, theirs_url, plan.first_connect_samples)
            )
        )


# ---- entry point -----------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (smoke test)")
    parser.add_argument("--json", metavar="PATH", help="also write all rows as JSON to PATH")
    parser.add_argument("--skip-openenv", action="store_true", help="do not measure OpenEnv")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table, the OpenEnv comparison and the targets."""
    args = parse_args(argv)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    report = Report(quick=args.quick)
    handler = capture_client_logs()
    loads = ", ".join(f"{ld.sessions}x{ld.steps}" for ld in plan.loads)
    print(
        f"SkillGym protocol benchmark: {TASK_PINNED} on {HOST}, {os.cpu_count()} CPUs, "
        f"{'quick' if args.quick else 'full'} (sessions x steps: {loads}; "
        f"in-process {plan.inprocess_steps:,} steps)\n"
    )
    print(HEADER)
    print("-" * len(HEADER))
    baseline_row = measure_inprocess(plan.inprocess_steps, plan.inprocess_warmup)
    add_row(report, baseline_row, baseline_row.steps_per_s)

    with tempfile.TemporaryDirectory(prefix="skillgym-bench-") as tmp:
        log_path = Path(tmp) / "server.log"
        try:
            with skillgym_server(log_path) as ours_url:
                run_skillgym_rows(plan, report, baseline_row.steps_per_s, ours_url)
                if args.skip_openenv:
                    report.openenv_skipped = "OpenEnv skipped (--skip-openenv)."
                else:
                    run_openenv(plan, report, ours_url)
        finally:
            report.server_log_problems = server_log_problems(log_path)

    report.client_log = list(handler.records)
    print_comparison(report, plan)
    print_first_connect(report, plan)
    report.targets = evaluate_targets(report)
    print_targets(report.targets)
    print_problems(report)
    if args.json:
        write_json(report, args.json)


if __name__ == "__main__":
    main()
