import json
import math
import random
import subprocess
from pathlib import Path

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())


def run_cli(*args):
    return subprocess.run(
        ["python3", str(WORKSPACE / "latency.py"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/tmp",
    )


def expected_lines(report):
    return [f"{key} {value}" for key, value in report.items()]


def test_report_file_matches_the_log():
    report = (WORKSPACE / "report.txt").read_text().split("\n")
    assert [line for line in report if line.strip()] == expected_lines(PARAMS["expected"]["report"])


def test_cli_on_the_episode_log():
    log = WORKSPACE / "logs" / PARAMS["variables"]["log_name"]
    done = run_cli(str(log))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == " ".join(expected_lines(PARAMS["expected"]["report"])).split()


def test_cli_on_a_log_it_has_not_seen(tmp_path):
    rng = random.Random(PARAMS["seed"] + 1000)
    durations = {}
    lines = []
    for _ in range(300):
        method, path = rng.choice([("GET", "/a"), ("PUT", "/b/c"), ("GET", "/z")])
        duration, status = rng.randint(1, 5000), rng.choice([200, 204, 302, 500, 504])
        lines.append(
            f"2025-01-01T00:00:00Z {method} {path}?q={rng.randint(0, 9)} {status} {duration}ms"
        )
        if status < 500:
            durations.setdefault(f"{method} {path}", []).append(duration)
    lines.insert(10, "garbage line")
    log = tmp_path / "other.log"
    log.write_text("\n".join(lines) + "\n")
    done = run_cli(str(log))
    assert done.returncode == 0, done.stderr
    want = []
    for key, values in sorted(durations.items()):
        values.sort()
        want.append(f"{key} {values[math.ceil(0.95 * len(values)) - 1]}")
    assert [line for line in done.stdout.splitlines() if line.strip()] == want


def test_missing_file_exits_2_with_a_message():
    assert (WORKSPACE / "latency.py").is_file(), "latency.py was not written"
    done = run_cli("/tmp/does-not-exist.log")
    assert done.returncode == 2
    assert done.stderr.strip()
