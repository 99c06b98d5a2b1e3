"""The task's tests: copied into the sandbox only after the agent submits.

Each test is one check of the verification; reward = the share that pass, and a failed
``@pytest.mark.essential`` test leaves at most a fifth of it. Every test must fail on the
untouched workspace (the no-op scores 0). Run the agent's program in a subprocess on
data it has never seen, so an answer worked out once and pasted in fails.
"""

import json
import random
import subprocess
from collections import Counter
from pathlib import Path

import pytest

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]["report"]


def errors_sh(log):
    """Run the agent's script on ``log`` as a user would, from another directory."""
    return subprocess.run(
        ["bash", str(WORKSPACE / "errors.sh"), str(log)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/tmp",
    )


def test_errors_txt_is_the_report_of_the_episode_log():
    """The saved report: the answer for the episode's log."""
    assert (WORKSPACE / "errors.txt").is_file(), "errors.txt was not written"
    lines = (WORKSPACE / "errors.txt").read_text().splitlines()
    assert [line for line in lines if line.strip()] == EXPECTED


def test_errors_sh_on_the_episode_log():
    """The script gives that report itself."""
    done = errors_sh(WORKSPACE / "logs" / PARAMS["variables"]["log_name"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == EXPECTED


@pytest.mark.essential  # the script is what was asked for, not one report
def test_errors_sh_on_a_log_it_has_not_seen(tmp_path):
    """The script works on a fresh log, drawn here from the episode's seed."""
    rng = random.Random(PARAMS["seed"] + 1000)
    errors = Counter()
    lines = []
    for i in range(300):
        service = rng.choice(["alpha", "beta", "gamma-api", "delta"])
        level = rng.choice(["INFO", "WARN", "ERROR", "DEBUG"])
        message = rng.choice(["ok", "saw ERROR upstream", "ERROR: disk full"])
        lines.append(f"2025-01-01T00:00:{i % 60:02d}Z {level} {service}: {message}")
        errors[service] += level == "ERROR"
    log = tmp_path / "fresh.log"
    log.write_text("\n".join(lines) + "\n")
    done = errors_sh(log)
    assert done.returncode == 0, done.stderr
    want = sorted(((s, n) for s, n in errors.items() if n), key=lambda item: (-item[1], item[0]))
    assert done.stdout.splitlines() == [f"{s} {n}" for s, n in want]
