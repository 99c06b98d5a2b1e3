"""The protocol benchmark runs end to end (small counts; figures are never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_protocol_benchmark_measures_every_path_without_errors(tmp_path):
    out = tmp_path / "protocol.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "protocol.py"),
            "--quick",
            "--skip-openenv",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    measured = {(row["path"], row["sessions"]) for row in report["rows"] if row["error"] is None}
    paths = ["sync http", "sync websocket", "async http", "async websocket"]
    assert measured == {("in-process", 1)} | {(p, n) for p in paths for n in (1, 32, 256)}
    assert all(row["steps_per_s"] > 0 for row in report["rows"])
    # Warnings may appear on a loaded machine (a descheduled inline step passes the
    # server's budget); errors may not.
    assert not [line for line in report["server_log_problems"] if "WARNING" not in line]
