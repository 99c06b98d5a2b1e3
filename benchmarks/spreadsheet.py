"""Spreadsheet benchmark: reset, step and verification times per task, against per-file LibreOffice.

Measured in-process on every shipped spreadsheet task (p50 over seeds):

1. reset: generate the workbook (openpyxl), open it in the persistent engine, observe;
2. step: one ``write_cells`` of an input cell, with the recalculated values that
   changed and the view shown (the oracle's own multi-cell writes are reported apart);
3. verification: the ``submit`` step after the oracle's model: full recalculation,
   output, formula and sensitivity checks (each sensitivity case recalculates twice);
4. verification of a synthetic 1,000-formula model (100 rows x 10 columns of chained
   formulas, two sensitivity cases);
5. the peer, measured in the same run: the per-file conversion spreadsheet
   benchmarks use today (``soffice --headless --convert-to xlsx`` with forced
   recalculation, one process per file) on an oracle workbook, and the ratio of that
   to our verification p50.

Targets (printed as pass/fail, never asserted): reset p50 < 100 ms, step p50 < 50 ms,
verification p50 < 300 ms and at least 4x faster than one per-file conversion.

Run::

    python benchmarks/spreadsheet.py            # 5 seeds per task (~1 minute)
    python benchmarks/spreadsheet.py --quick    # 1 seed per task, smoke test
    python benchmarks/spreadsheet.py --json out.json
    python benchmarks/spreadsheet.py --tasks spreadsheet/dcf-valuation
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from libreoffice_reference import convert_per_file, strip_cached_values
from openpyxl import Workbook as XlsxWorkbook

from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.spreadsheet import SpreadsheetEnv
from skillgym.envs.spreadsheet.checks import verify_workbook
from skillgym.envs.spreadsheet.engine import Workbook
from skillgym.envs.spreadsheet.scenario import Output, Scenario, define_name

TARGET_RESET_MS = 100.0
TARGET_STEP_MS = 50.0
TARGET_VERIFY_MS = 300.0
TARGET_PEER_RATIO = 4.0


def p50(values: list[float]) -> float:
    """Median in milliseconds of ``values`` in seconds."""
    return statistics.median(values) * 1000.0


def timed(call: Any) -> tuple[Any, float]:
    """``call()`` and the seconds it took."""
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def measure_task(env: SpreadsheetEnv, task: str, seeds: int) -> dict[str, Any]:
    """Reset, single-cell step, oracle write and verification times of one task."""
    resets, steps, writes, verifies = [], [], [], []
    workbook_bytes = b""
    for seed in range(seeds):
        (obs, _), seconds = timed(lambda s=seed: env.reset(seed=s, options={"task": task}))
        resets.append(seconds)
        scenario = env._scenario  # the benchmark reads the episode's hidden inputs on purpose
        assert scenario is not None
        oracle = env.oracle()
        action = oracle(obs)
        while json.loads(action)["tool"] != "submit":
            (obs, *_), seconds = timed(lambda a=action: env.step(a))
            writes.append(seconds)
            action = oracle(obs)
        for name, value in list(scenario.inputs.items())[:10]:
            sheet, area = scenario.workbook.defined_names[name].attr_text.split("!")
            cell = area.replace("$", "")
            write = {
                "tool": "write_cells",
                "args": {"sheet": sheet.strip("'"), "cells": {cell: value}},
            }
            action_text = json.dumps(write)
            (obs, *_), seconds = timed(lambda a=action_text: env.step(a))
            assert obs["last_action_error"] == "", obs["last_action_error"]
            steps.append(seconds)
        workbook_bytes = env.artifact("workbook.xlsx")
        (_, reward, *_), seconds = timed(lambda a=action: env.step(a))
        if reward != 1.0:
            raise RuntimeError(f"{task} seed {seed}: the oracle scored {reward}")
        verifies.append(seconds)
    return {
        "task": task,
        "reset_ms": p50(resets),
        "step_ms": p50(steps),
        "oracle_write_ms": p50(writes),
        "verify_ms": p50(verifies),
        "workbook": workbook_bytes,
    }


def chained_model(rows: int = 100, columns: int = 10) -> Scenario:
    """A synthetic model of ``rows * columns`` formulas chained to two inputs."""
    book = XlsxWorkbook()
    inputs = book.active
    inputs.title = "Inputs"
    inputs["A1"], inputs["B1"], inputs["A2"], inputs["B2"] = "Start", 100.0, "Growth", 0.01
    define_name(book, "Start", "Inputs", "B1")
    define_name(book, "Growth", "Inputs", "B2")
    model = book.create_sheet("Model")
    letters = "ABCDEFGHIJ"[:columns]
    for r in range(1, rows + 1):
        for c, letter in enumerate(letters):
            if r == 1 and c == 0:
                model["A1"] = "=Inputs!$B$1"
            elif c == 0:
                model[f"A{r}"] = f"=J{r - 1}*(1+Inputs!$B$2)"
            else:
                model[f"{letter}{r}"] = f"={letters[c - 1]}{r}*(1+Inputs!$B$2)"
    define_name(book, "Final", "Model", f"J{rows}")

    def truth(x: Any) -> dict[str, list[float]]:
        return {"Final": [x["Start"] * (1 + x["Growth"]) ** (rows * columns - 1)]}

    return Scenario(
        workbook=book,
        variables={},
        inputs={"Start": 100.0, "Growth": 0.01},
        outputs=[Output("Final", "last cell", rel_tol=1e-9)],
        truth=truth,
        perturbations=[{"Growth": 0.012}, {"Start": 120.0}],
        solution=[],
        model_sheets=["Model"],
    )


def measure_large(repeats: int) -> float:
    """Verification p50 of the 1,000-formula model."""
    scenario = chained_model()
    workbook = Workbook(scenario.xlsx_bytes())
    try:
        times = []
        for _ in range(repeats):
            verification, seconds = timed(lambda: verify_workbook(workbook, scenario))
            if not verification.success:
                raise RuntimeError(f"the 1,000-formula model failed: {verification.checks}")
            times.append(seconds)
        return p50(times)
    finally:
        workbook.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed per task")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--tasks", nargs="+", metavar="TASK", help="only these task ids (default: every task)"
    )
    args = parser.parse_args(argv)
    seeds = 1 if args.quick else 5
    catalog = TaskCatalog.load()
    if args.tasks:
        tasks = [catalog.resolve(task, family="spreadsheet").ref for task in args.tasks]
    else:
        tasks = [spec.ref for spec in catalog.latest("spreadsheet")]
    env = SpreadsheetEnv()
    try:
        env.reset(seed=0, options={"task": tasks[0]})  # start the engine, untimed
        rows = [measure_task(env, task, seeds) for task in tasks]
    finally:
        env.close()
    large_ms = measure_large(3 if args.quick else 10)
    peers = [timed(lambda: convert_per_file(strip_cached_values(rows[0]["workbook"])))[1]]
    if not args.quick:
        peers += [timed(lambda: convert_per_file(strip_cached_values(rows[0]["workbook"])))[1]]
    peer_ms = statistics.median(peers) * 1000.0

    print(
        f"{'task':<38} {'reset p50':>10} {'step p50':>9} {'oracle write':>13} {'verify p50':>11} {'x per-file':>11}"
    )
    for row in rows:
        ratio = peer_ms / row["verify_ms"]
        print(
            f"{row['task']:<38} {row['reset_ms']:>8.1f}ms {row['step_ms']:>7.1f}ms "
            f"{row['oracle_write_ms']:>11.1f}ms {row['verify_ms']:>9.1f}ms {ratio:>10.1f}x"
        )
    print(
        f"{'1,000-formula model: verification':<38} {'':>10} {'':>9} {'':>13} {large_ms:>9.1f}ms {peer_ms / large_ms:>10.1f}x"
    )
    print(
        f"peer: soffice --headless --convert-to xlsx, one process per file, forced recalc: {peer_ms:.0f} ms"
    )
    worst = {key: max(r[key] for r in rows) for key in ("reset_ms", "step_ms", "verify_ms")}
    checks = [
        (
            f"reset p50 < {TARGET_RESET_MS:.0f} ms on every task",
            worst["reset_ms"] < TARGET_RESET_MS,
        ),
        (f"step p50 < {TARGET_STEP_MS:.0f} ms on every task", worst["step_ms"] < TARGET_STEP_MS),
        (
            f"verification p50 < {TARGET_VERIFY_MS:.0f} ms on every task",
            worst["verify_ms"] < TARGET_VERIFY_MS,
        ),
        (
            f"verification >= {TARGET_PEER_RATIO:.0f}x faster than a per-file conversion",
            peer_ms / worst["verify_ms"] >= TARGET_PEER_RATIO,
        ),
    ]
    for label, passed in checks:
        print(f"{'PASS' if passed else 'MISS'}  {label}")
    if args.json:
        report = {
            "tasks": [{k: v for k, v in r.items() if k != "workbook"} for r in rows],
            "large_verify_ms": large_ms,
            "peer_ms": peer_ms,
            "targets": {label: passed for label, passed in checks},
        }
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
