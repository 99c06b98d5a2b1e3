"""The spreadsheet benchmark runs end to end (one task, one seed; figures are never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_spreadsheet_benchmark_measures_reset_step_verification_and_the_peer(tmp_path):
    out = tmp_path / "spreadsheet.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "spreadsheet.py"),
            "--quick",
            "--tasks",
            "spreadsheet/dcf-valuation",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    [row] = report["tasks"]
    assert row["task"].startswith("spreadsheet/dcf-valuation@")
    for key in ("reset_ms", "step_ms", "oracle_write_ms", "verify_ms"):
        assert row[key] > 0
    assert report["large_verify_ms"] > 0 and report["peer_ms"] > 0
    assert "x per-file" in result.stdout and "peer: soffice" in result.stdout
