"""Printing the protocol benchmark's report: the OpenEnv comparison, first connects, targets."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import Row, print_row


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
    comparison_rounds: int


@dataclass
class Report:
    """All results of a run (what ``--json`` writes)."""

    quick: bool
    rows: list[Row] = field(default_factory=list)
    openenv: list[Row] = field(default_factory=list)
    openenv_skipped: str | None = None
    comparison: list[dict[str, Any]] = field(default_factory=list)
    first_connect_ms: dict[str, float | None] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    client_log: list[str] = field(default_factory=list)
    server_log_problems: list[str] = field(default_factory=list)


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
    """Our async WebSocket vs OpenEnv's WebSocket at each concurrency (paired rounds)."""
    print(
        f"\n== OpenEnv side by side (async WebSocket clients; paired rounds: {plan.comparison_rounds}, "
        "medians) =="
    )
    if report.openenv_skipped:
        print(report.openenv_skipped)
        return
    print(f"{'sessions':>8} {'ours steps/s':>13} {'OpenEnv steps/s':>16} {'ours/OpenEnv':>13}")
    for item in report.comparison:
        ours, theirs, ratio = item["ours_steps_per_s"], item["openenv_steps_per_s"], item["ratio"]
        print(
            f"{item['sessions']:>8} {'n/a' if ours is None else f'{ours:,.0f}':>13} "
            f"{'n/a' if theirs is None else f'{theirs:,.0f}':>16} "
            f"{'n/a' if ratio is None else f'{ratio:.2f}x':>13}"
        )
    print("(both serve arithmetic/sum-list, resetting every 10 steps: identical env work)")


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

    ratios = {item["sessions"]: item["ratio"] for item in report.comparison}
    for n in (32, 256):
        ratio = ratios.get(n)
        add(
            f"WebSocket >= 1.2x OpenEnv steps/s at {n} sessions",
            ratio,
            None if ratio is None else ratio >= 1.2,
            "n/a" if ratio is None else f"{ratio:.2f}x",
        )
    for name, value in report.first_connect_ms.items():
        if name.startswith("ours"):
            add(
                f"first connect+reset < 50 ms: {name}",
                value,
                None if value is None else value < 50.0,
                "n/a" if value is None else f"{value:.2f} ms",
            )
    sync_http = find_row(report.rows, "sync http", 1)
    p50 = sync_http.p50_ms if sync_http else None
    add(
        "sync HTTP p50 < 1 ms (1 session)",
        p50,
        None if p50 is None else p50 < 1.0,
        "n/a" if p50 is None else f"{p50:.3f} ms",
    )
    async_http = find_row(report.rows, "async http", 32)
    rate = async_http.steps_per_s if async_http else None
    add(
        "async HTTP >= 2,500 steps/s at 32 sessions",
        rate,
        None if rate is None else rate >= 2500,
        "n/a" if rate is None else f"{rate:,.0f} steps/s",
    )
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
    pair_errors = [e for item in report.comparison for e in item["errors"]]
    slow_setup = any(r.setup_s is not None and r.setup_s > 5.0 for r in report.rows)
    if not (failed or pair_errors or slow_setup or report.client_log or report.server_log_problems):
        print("\nNo errors, client retries or server warnings during the run.")
        return
    print("\n== Problems seen ==")
    for row in failed:
        print(f"row {row.path} x{row.sessions} failed: {row.error}")
    for error in dict.fromkeys(pair_errors):
        print(f"OpenEnv comparison run failed: {error}")
    slow = [r for r in report.rows if r.setup_s is not None and r.setup_s > 5.0]
    for row in slow:
        print(f"row {row.path} x{row.sessions}: opening the sessions took {row.setup_s:.1f} s")
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
