"""Protocol benchmark: what SkillGym's wire protocol costs on the arithmetic reference env.

Measured, for ``arithmetic/sum-list`` (a step costs microseconds, so what is left is
SkillGym's own plumbing):

1. in-process ``ArithmeticEnv``, one session in a tight loop (the baseline);
2. sync HTTP (``RemoteEnv``, ``transport="http"``) and 3. sync WebSocket;
4. async HTTP (``AsyncRemoteEnv``, ``transport="http"``) and 5. async WebSocket;
   each at 1, 32 and 256 concurrent sessions (sync: one thread and one ``RemoteEnv``
   per session; async: one coroutine per session on one event loop);
6. OpenEnv (``openenv-core``) serving a trivial env (``benchmarks/openenv_peer.py``)
   at the same concurrencies, with our async WebSocket steps/s divided by OpenEnv's;
7. first connect + reset latency (median over fresh sessions), ours vs OpenEnv's.

How: the SkillGym server (``skillgym serve``) and OpenEnv's server each run in their
own subprocess on 127.0.0.1, one at a time; the clients run in this process. Every
session is created, reset and warmed up (untimed), reset again, then all sessions
step together. Steps/s = total steps / wall time of that stepping phase; latency is
the time around each ``step`` call (p50/p99, nearest rank). The task truncates every
10 steps, so the stepping phase also holds the resets that start the next episode
(about one call in eleven; OpenEnv's trivial env needs none, which makes the
ours/OpenEnv ratio conservative). Targets are printed as pass/fail, never asserted.

Run::

    python benchmarks/protocol.py                 # full run (~1-2 minutes)
    python benchmarks/protocol.py --quick         # smoke test, small counts
    python benchmarks/protocol.py --json out.json --skip-openenv
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from skillgym.clients import AsyncRemoteEnv, RemoteEnv, Timeout
from skillgym.envs.arithmetic import ArithmeticEnv

HOST = "127.0.0.1"
ENV_NAME = "arithmetic"
TASK = "arithmetic/sum-list"
TASK_PINNED = "arithmetic/sum-list@1.0.0"
ACTION = '{"tool": "calculate", "args": {"expression": "1+2"}}'
MAX_SESSIONS = 2048
HEALTH_TIMEOUT_S = 30.0
# Bounds a failing run: a hung call fails after this instead of the default 120 s.
CLIENT_TIMEOUT = Timeout(connect=10.0, read=30.0)
PHASE_TIMEOUT_S = 120.0

Transport = Literal["http", "websocket"]


@dataclass(frozen=True)
class Load:
    """One concurrency level: sessions, timed steps per session, untimed warm-up steps per session."""

    sessions: int
    steps: int
    warmup: int


@dataclass(frozen=True)
class Plan:
    """Everything a run does, sized by ``--quick``."""

    inprocess_steps: int
    inprocess_warmup: int
    loads: tuple[Load, ...]
    first_connect_samples: int


FULL_PLAN = Plan(
    inprocess_steps=20_000,
    inprocess_warmup=2_000,
    loads=(Load(1, 2_000, 200), Load(32, 100, 10), Load(256, 20, 2)),
    first_connect_samples=10,
)
QUICK_PLAN = Plan(
    inprocess_steps=2_000,
    inprocess_warmup=200,
    loads=(Load(1, 200, 20), Load(32, 10, 2), Load(256, 3, 1)),
    first_connect_samples=3,
)


@dataclass
class Row:
    """One measured path at one concurrency."""

    path: str
    sessions: int
    steps: int = 0
    seconds: float = 0.0
    steps_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    x_inprocess: float | None = None
    error: str | None = None


@dataclass
class Report:
    """All results of a run (what ``--json`` writes)."""

    quick: bool
    rows: list[Row] = field(default_factory=list)
    openenv: list[Row] = field(default_factory=list)
    openenv_skipped: str | None = None
    first_connect_ms: dict[str, float | None] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    client_log: list[str] = field(default_factory=list)
    server_log_problems: list[str] = field(default_factory=list)


class BenchError(RuntimeError):
    """A benchmark row could not be measured (the message says exactly why)."""


# ---- statistics ------------------------------------------------------------------
def percentile_ms(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1, nearest rank) of ``values`` (seconds), in ms."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx] * 1000.0


def make_row(path: str, sessions: int, steps: int, seconds: float, latencies: list[float]) -> Row:
    """A row from a stepping phase's totals and per-step latencies."""
    return Row(
        path=path, sessions=sessions, steps=steps, seconds=seconds,
        steps_per_s=steps / seconds if seconds > 0 else 0.0,
        p50_ms=percentile_ms(latencies, 0.50), p99_ms=percentile_ms(latencies, 0.99),
    )


def summarize_errors(errors: list[str], limit: int = 3) -> str:
    """Distinct error messages with their counts, most frequent first."""
    counts = Counter(errors)
    parts = [f"{n}x {msg}" for msg, n in counts.most_common(limit)]
    more = len(counts) - limit
    return "; ".join(parts) + (f"; and {more} other distinct errors" if more > 0 else "")


def describe(exc: BaseException) -> str:
    """An exception as ``Type: message`` on one line."""
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


# ---- client-side log capture (retries and warnings must not pass silently) -------
class _ListHandler(logging.Handler):
    """Keeps the formatted records of SkillGym's client loggers."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[str] = []
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock2:
            self.records.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def capture_client_logs() -> _ListHandler:
    """Attach a handler that records the clients' retry and warning messages."""
    handler = _ListHandler()
    logger = logging.getLogger("skillgym.clients")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


# ---- servers ---------------------------------------------------------------------
def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def skillgym_command(port: int) -> list[str]:
    """The ``skillgym serve`` command line of this virtualenv."""
    script = Path(sys.executable).with_name("skillgym")
    prefix = [str(script)] if script.exists() else [sys.executable, "-c", "from skillgym.cli import main; main()"]
    return [*prefix, "serve", "--host", HOST, "--port", str(port), "--max-sessions", str(MAX_SESSIONS)]


def wait_healthy(proc: subprocess.Popen, url: str, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
    """Wait until ``url`` answers 200.

    Raises:
        BenchError: If the process exits or the URL does not answer in time.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"The server exited early with code {proc.returncode}.")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise BenchError(f"The server did not answer {url} within {timeout_s:.0f} s.")


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate ``proc`` (then kill it if it lingers)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


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


def server_log_problems(log_path: Path, limit: int = 20) -> list[str]:
    """Lines of the server's log that report warnings, errors or tracebacks."""
    if not log_path.exists():
        return []
    keys = ("WARNING", "ERROR", "CRITICAL", "Traceback", "Exception", "Error:")
    lines = log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if any(k in line for k in keys)][:limit]


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
            env = RemoteEnv(base_url, env=ENV_NAME, task=TASK, transport=transport, timeout=CLIENT_TIMEOUT)
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

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(load.sessions)]
    for thread in threads:
        thread.start()
    seconds = 0.0
    try:
        ready.wait(timeout=PHASE_TIMEOUT_S)
        t0 = time.perf_counter()
        done.wait(timeout=PHASE_TIMEOUT_S)
        seconds = time.perf_counter() - t0
    except threading.BrokenBarrierError:
        if not errors:
            errors.append(f"workers did not reach the barrier within {PHASE_TIMEOUT_S:.0f} s (hang)")
        ready.abort()
        done.abort()
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = sum(t.is_alive() for t in threads)
    if alive:
        errors.append(f"{alive} of {load.sessions} threads still running after {PHASE_TIMEOUT_S:.0f} s (hang)")
    if errors:
        raise BenchError(summarize_errors(errors))
    merged = [x for per_session in latencies for x in per_session]
    return make_row(f"sync {transport}", load.sessions, load.sessions * load.steps, seconds, merged)


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
    results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), timeout=PHASE_TIMEOUT_S)
    errors = [describe(r) for r in results if isinstance(r, BaseException)]
    if errors:
        raise BenchError(f"{what}: {summarize_errors(errors)}")


async def measure_async(base_url: str, transport: Transport, load: Load) -> Row:
    """``load.sessions`` coroutines on this loop, each with its own ``AsyncRemoteEnv``."""
    envs = [
        AsyncRemoteEnv(base_url, env=ENV_NAME, task=TASK, transport=transport, timeout=CLIENT_TIMEOUT)
        for _ in range(load.sessions)
    ]

    async def prepare(i: int, env: AsyncRemoteEnv) -> None:
        await env.open()
        await env.reset(seed=i)
        await step_async(env, load.warmup, None)
        await env.reset(seed=i)

    latencies: list[float] = []
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
    return make_row(f"async {transport}", load.sessions, load.sessions * load.steps, seconds, latencies)


# ---- 7. first connect + reset ----------------------------------------------------
async def first_connect_async_ws(base_url: str, samples: int) -> list[float]:
    """Seconds for ``open()`` + ``reset()`` of fresh ``AsyncRemoteEnv`` WebSocket sessions."""
    out: list[float] = []
    for i in range(samples):
        env = AsyncRemoteEnv(base_url, env=ENV_NAME, task=TASK, transport="websocket", timeout=CLIENT_TIMEOUT)
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
def attempt(path: str, sessions: int, measure: Callable[[], Row]) -> Row:
    """Run ``measure``; a failure becomes a row holding the exact error."""
    try:
        return measure()
    except Exception as exc:
        message = str(exc) if isinstance(exc, BenchError) else describe(exc)
        return Row(path=path, sessions=sessions, error=message)


def run_skillgym_rows(plan: Plan, report: Report, baseline: float, log_path: Path) -> None:
    """Start our server, measure rows 2-5 and our first connect+reset, stop it."""
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    proc = start_skillgym_server(port, log_path)
    try:
        for transport in ("http", "websocket"):
            for load in plan.loads:
                row = attempt(f"sync {transport}", load.sessions,
                              lambda t=transport, ld=load: measure_sync(base_url, t, ld))
                add_row(report, row, baseline)
        for transport in ("http", "websocket"):
            for load in plan.loads:
                row = attempt(f"async {transport}", load.sessions,
                              lambda t=transport, ld=load: asyncio.run(measure_async(base_url, t, ld)))
                add_row(report, row, baseline)
        report.first_connect_ms["ours async websocket (open+reset)"] = median_ms(
            lambda: asyncio.run(first_connect_async_ws(base_url, plan.first_connect_samples)))
        report.first_connect_ms["ours sync http (construct+reset)"] = median_ms(
            lambda: first_connect_sync_http(base_url, plan.first_connect_samples))
    finally:
        stop_process(proc)


def median_ms(sample: Callable[[], list[float]]) -> float | None:
    """Median of ``sample()`` in ms, or None (printed) if sampling failed."""
    try:
        return statistics.median(sample()) * 1000.0
    except Exception as exc:
        print(f"  first connect+reset failed: {describe(exc)}", flush=True)
        return None


def import_openenv_peer() -> ModuleType | None:
    """``benchmarks/openenv_peer.py``, or None when ``openenv-core`` is not installed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
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


def run_openenv_rows(plan: Plan, report: Report) -> None:
    """Start OpenEnv's server, measure it at every load and its first connect, stop it."""
    peer = import_openenv_peer()
    if peer is None:
        report.openenv_skipped = (
            "OpenEnv skipped: `openenv-core` is not installed (pip install -e '.[bench]')."
        )
        return
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    proc = peer.start_openenv_server(port)
    try:
        for load in plan.loads:
            row = attempt("openenv ws", load.sessions, lambda ld=load: measure_openenv_row(peer, base_url, ld))
            report.openenv.append(row)
            print_row(row)
        report.first_connect_ms["openenv (connect+reset)"] = median_ms(
            lambda: asyncio.run(openenv_first_connects(peer, base_url, plan.first_connect_samples)))
    finally:
        peer.stop_openenv_server(proc)


# ---- output ----------------------------------------------------------------------
HEADER = f"{'path':<16} {'sessions':>8} {'steps/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'x in-process':>13}"


def print_row(row: Row) -> None:
    """One fixed-width table line (or the row's error)."""
    if row.error is not None:
        print(f"{row.path:<16} {row.sessions:>8} FAILED: {row.error}", flush=True)
        return
    ratio = f"{row.x_inprocess:.3f}x" if row.x_inprocess is not None else "-"
    print(
        f"{row.path:<16} {row.sessions:>8} {row.steps_per_s:>10,.0f} {row.p50_ms:>9.3f} "
        f"{row.p99_ms:>9.3f} {ratio:>13}",
        flush=True,
    )


def add_row(report: Report, row: Row, baseline: float) -> None:
    """Fill the ratio to in-process, keep the row and print it."""
    if row.error is None and baseline > 0:
        row.x_inprocess = row.steps_per_s / baseline
    report.rows.append(row)
    print_row(row)


def find_row(rows: list[Row], path: str, sessions: int) -> Row | None:
    """The successful row of ``path`` at ``sessions``, if any."""
    for row in rows:
        if row.path == path and row.sessions == sessions and row.error is None:
            return row
    return None


def print_comparison(report: Report, plan: Plan) -> None:
    """Our async WebSocket vs OpenEnv's WebSocket at each concurrency."""
    print("\n== OpenEnv side by side (WebSocket, async clients) ==")
    if report.openenv_skipped:
        print(report.openenv_skipped)
        return
    print(f"{'sessions':>8} {'ours steps/s':>13} {'OpenEnv steps/s':>16} {'ours/OpenEnv':>13}")
    for load in plan.loads:
        ours = find_row(report.rows, "async websocket", load.sessions)
        theirs = find_row(report.openenv, "openenv ws", load.sessions)
        ratio = f"{ours.steps_per_s / theirs.steps_per_s:.2f}x" if ours and theirs else "n/a"
        ours_s = f"{ours.steps_per_s:,.0f}" if ours else "n/a"
        theirs_s = f"{theirs.steps_per_s:,.0f}" if theirs else "n/a"
        print(f"{load.sessions:>8} {ours_s:>13} {theirs_s:>16} {ratio:>13}")


def print_first_connect(report: Report, plan: Plan) -> None:
    """Median first connect + reset latencies."""
    print(f"\n== First connect + reset (median of {plan.first_connect_samples} fresh sessions) ==")
    for name, value in report.first_connect_ms.items():
        shown = f"{value:.2f} ms" if value is not None else "failed"
        print(f"{name:<36} {shown:>10}")


def evaluate_targets(report: Report) -> list[dict[str, Any]]:
    """Each target with its measured value and pass/fail (None when not measured)."""
    targets: list[dict[str, Any]] = []

    def add(name: str, value: float | None, ok: bool | None, shown: str) -> None:
        targets.append({"target": name, "value": value, "passed": ok, "shown": shown})

    ours_ws = "async websocket"
    for n in (32, 256):
        ours = find_row(report.rows, ours_ws, n)
        theirs = find_row(report.openenv, "openenv ws", n)
        ratio = ours.steps_per_s / theirs.steps_per_s if ours and theirs else None
        add(f"WebSocket >= 1.2x OpenEnv steps/s at {n} sessions", ratio,
            None if ratio is None else ratio >= 1.2, "n/a" if ratio is None else f"{ratio:.2f}x")
    for name, value in report.first_connect_ms.items():
        if name.startswith("ours"):
            add(f"first connect+reset < 50 ms: {name}", value,
                None if value is None else value < 50.0, "n/a" if value is None else f"{value:.2f} ms")
    sync_http = find_row(report.rows, "sync http", 1)
    p50 = sync_http.p50_ms if sync_http else None
    add("sync HTTP p50 < 1 ms (1 session)", p50, None if p50 is None else p50 < 1.0,
        "n/a" if p50 is None else f"{p50:.3f} ms")
    async_http = find_row(report.rows, "async http", 32)
    rate = async_http.steps_per_s if async_http else None
    add("async HTTP >= 2,500 steps/s at 32 sessions", rate, None if rate is None else rate >= 2500,
        "n/a" if rate is None else f"{rate:,.0f} steps/s")
    return targets


def print_targets(targets: list[dict[str, Any]]) -> None:
    """PASS/FAIL per target (never raises)."""
    print("\n== Targets ==")
    for t in targets:
        verdict = {True: "PASS", False: "FAIL", None: "N/A "}[t["passed"]]
        print(f"[{verdict}] {t['target']:<62} {t['shown']}")


def print_problems(report: Report) -> None:
    """Errors, client retries/warnings and server log problems seen during the run."""
    failed = [r for r in report.rows + report.openenv if r.error is not None]
    if not (failed or report.client_log or report.server_log_problems):
        print("\nNo errors, client retries or server warnings during the run.")
        return
    print("\n== Problems seen ==")
    for row in failed:
        print(f"row {row.path} x{row.sessions} failed: {row.error}")
    if report.client_log:
        print(f"client log ({len(report.client_log)} records, first 10):")
        for line in report.client_log[:10]:
            print(f"  {line}")
    if report.server_log_problems:
        print("skillgym server log (first 20 problem lines):")
        for line in report.server_log_problems:
            print(f"  {line}")


def write_json(report: Report, path: str) -> None:
    """Write the whole report as JSON."""
    Path(path).write_text(json.dumps(asdict(report), indent=2, default=str) + "\n")
    print(f"\nwrote {path}")


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
    print(f"SkillGym protocol benchmark: {TASK_PINNED} on {HOST}, {os.cpu_count()} CPUs, "
          f"{'quick' if args.quick else 'full'} (sessions x steps: {loads}; "
          f"in-process {plan.inprocess_steps:,} steps)\n")
    print(HEADER)
    print("-" * len(HEADER))
    baseline_row = measure_inprocess(plan.inprocess_steps, plan.inprocess_warmup)
    add_row(report, baseline_row, baseline_row.steps_per_s)

    with tempfile.TemporaryDirectory(prefix="skillgym-bench-") as tmp:
        log_path = Path(tmp) / "server.log"
        try:
            run_skillgym_rows(plan, report, baseline_row.steps_per_s, log_path)
        finally:
            report.server_log_problems = server_log_problems(log_path)

    if args.skip_openenv:
        report.openenv_skipped = "OpenEnv skipped (--skip-openenv)."
    else:
        run_openenv_rows(plan, report)

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
