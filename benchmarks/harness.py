"""Shared pieces of SkillGym's benchmarks: result rows, percentiles, subprocess servers.

Every benchmark prints rows of steps/s and p50/p99 latency with a ratio to a baseline
measured in the same run; this module holds what they all need for that.
"""

from __future__ import annotations

import logging
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
HEALTH_TIMEOUT_S = 30.0
HEADER = (
    f"{'path':<16} {'sessions':>8} {'steps/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'x in-process':>13}"
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
    setup_s: float | None = None
    error: str | None = None


class BenchError(RuntimeError):
    """A benchmark row could not be measured (the message says exactly why)."""


def timed(call: Callable[[], object]) -> float:
    """Seconds ``call()`` took."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


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
        path=path,
        sessions=sessions,
        steps=steps,
        seconds=seconds,
        steps_per_s=steps / seconds if seconds > 0 else 0.0,
        p50_ms=percentile_ms(latencies, 0.50),
        p99_ms=percentile_ms(latencies, 0.99),
    )


def describe(exc: BaseException) -> str:
    """An exception as ``Type: message`` on one line."""
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def mask_ids(message: str) -> str:
    """``message`` with session ids and the server's port replaced, so equal errors group."""
    message = re.sub(r"/v1/sessions/[0-9a-f]+", "/v1/sessions/<id>", message)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", message)


def summarize_errors(errors: list[str], limit: int = 3) -> str:
    """Distinct error messages (session ids and ports masked) with counts, most frequent first."""
    counts = Counter(mask_ids(e) for e in errors)
    parts = [f"{n}x {msg}" for msg, n in counts.most_common(limit)]
    more = len(counts) - limit
    return "; ".join(parts) + (f"; and {more} other distinct errors" if more > 0 else "")


def attempt(path: str, sessions: int, measure: Callable[[], Row]) -> Row:
    """Run ``measure``; a failure becomes a row holding the exact error."""
    try:
        return measure()
    except Exception as exc:
        message = str(exc) if isinstance(exc, BenchError) else describe(exc)
        return Row(path=path, sessions=sessions, error=message)


def median_row(rows: list[Row]) -> Row | None:
    """The successful row with the median steps/s (the lower middle one), if any."""
    ok = sorted((r for r in rows if r.error is None), key=lambda r: r.steps_per_s)
    return ok[(len(ok) - 1) // 2] if ok else None


def median_ms(sample: Callable[[], list[float]]) -> float | None:
    """Median of ``sample()`` in ms, or None (printed) if sampling failed."""
    try:
        return statistics.median(sample()) * 1000.0
    except Exception as exc:
        print(f"  first connect+reset failed: {describe(exc)}", flush=True)
        return None


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


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


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


def server_log_problems(log_path: Path, limit: int = 20) -> list[str]:
    """Lines of the server's log that report warnings, errors or tracebacks."""
    if not log_path.exists():
        return []
    keys = ("WARNING", "ERROR", "CRITICAL", "Traceback", "Exception", "Error:")
    lines = log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if any(k in line for k in keys)][:limit]


def episodes_per_minute(
    sessions: int, per_session: int, make_env: Callable[[], Any], play: Callable[[Any, int], object]
) -> float:
    """Episodes per minute with ``sessions`` environments (one thread each) playing at once.

    Each thread makes its environment, calls ``play(env, seed)`` ``per_session`` times and
    closes it; a failure in any session fails the measurement.
    """
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        env = make_env()
        try:
            for i in range(per_session):
                play(env, index * 100 + i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            env.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sessions)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} session(s) failed: {errors[0]!r}")
    return sessions * per_session / (time.perf_counter() - start) * 60.0


def oracle_episode(env: Any, task: str, seed: int) -> float:
    """Play ``env``'s oracle on ``task``; the seconds its last step (the verification) took.

    Raises:
        RuntimeError: When the oracle's episode does not succeed.
    """
    obs, _ = env.reset(seed=seed, options={"task": task})
    policy = env.oracle()
    while True:
        move = policy(obs)
        start = time.perf_counter()
        obs, _, terminated, truncated, info = env.step(move)
        took = time.perf_counter() - start
        if terminated or truncated:
            if not info["verification"].success:
                raise RuntimeError(f"oracle failed {task} seed {seed}: {info['verification']}")
            return took
