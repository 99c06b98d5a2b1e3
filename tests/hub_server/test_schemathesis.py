"""schemathesis, every check, against a real server: the schema and the answers agree."""

import subprocess
import sys

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

TOKEN = "fuzz-token"


def test_schemathesis_finds_no_failure_of_any_kind():
    with BackgroundServer(ServerSettings(port=0, api_token=TOKEN)) as server:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{server.base_url}/openapi.json",
                "--checks=all",
                "--max-examples=50",
                "--seed=20261206",
                "--generation-database=none",
                "--request-timeout=20",
                "--no-color",
                f"--header=Authorization: Bearer {TOKEN}",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    summary = run.stdout[run.stdout.find("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    assert "failure" not in summary and "error" not in summary.lower(), summary
