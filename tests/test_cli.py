"""The skillgym command line, run as a user runs it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skillgym.envs.core.tasks import TaskCatalog

TASKS = Path(__file__).resolve().parents[1] / "tasks"


CATALOG = TaskCatalog.load()


def skillgym(
    *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "skillgym.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_list_shows_families_and_tasks_with_versions():
    out = skillgym("list").stdout
    assert "arithmetic  (skillgym/Arithmetic-v0)" in out
    assert "arithmetic/sum-list" in out and "1.0.0" in out


@pytest.mark.parametrize(
    ("policy", "reward", "success"), [("oracle", 1.0, True), ("noop", 0.0, False)]
)
def test_run_json_prints_one_object_with_the_verification(policy, reward, success):
    result = json.loads(
        skillgym(
            "run", "arithmetic/sum-list@1.0.0", "--policy", policy, "--seed", "4", "--json"
        ).stdout
    )
    assert {k: result[k] for k in ("task", "version", "seed", "reward", "success")} == {
        "task": "arithmetic/sum-list",
        "version": "1.0.0",
        "seed": 4,
        "reward": reward,
        "success": success,
    }
    assert result["steps"] >= 1
    assert result["verification"]["checks"][0]["name"] == "answer"


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_run_over_a_server_gives_the_same_result_as_in_process(base_url, transport):
    local = json.loads(
        skillgym("run", "arithmetic/compound-interest", "--seed", "2", "--json").stdout
    )
    remote = json.loads(
        skillgym(
            "run",
            "arithmetic/compound-interest",
            "--seed",
            "2",
            "--json",
            "--base-url",
            base_url,
            "--transport",
            transport,
        ).stdout
    )
    assert remote == local


def test_run_prints_the_episode_and_the_checks():
    out = skillgym("run", "arithmetic/order-of-operations", "--seed", "1").stdout
    assert '> {"tool": "calculate"' in out
    assert "SUCCESS: reward 1.000 after 2 steps" in out
    assert "[pass] answer" in out


def test_unknown_task_exits_1_with_a_suggestion():
    result = skillgym("run", "arithmetic/sum-lst", check=False)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "error: Unknown task 'arithmetic/sum-lst'. Did you mean arithmetic/sum-list?"
    )


def test_unknown_policy_is_a_usage_error():
    result = skillgym("run", "arithmetic/sum-list", "--policy", "genius", check=False)
    assert result.returncode == 2
    assert "genius" in result.stderr


def test_serve_refuses_an_open_server_off_loopback():
    result = skillgym("serve", "--host", "0.0.0.0", "--port", "1", check=False)
    assert result.returncode == 2
    assert "without an API token" in result.stderr


def test_serve_reads_its_options_from_skillgym_environment_variables():
    result = skillgym("serve", check=False, env={"SKILLGYM_HOST": "0.0.0.0", "SKILLGYM_PORT": "1"})
    assert result.returncode == 2
    assert "without an API token" in result.stderr


def test_validate_passes_on_the_bundled_tasks():
    # every terminal task is validated in both sandboxes by tests/envs/terminal/test_tasks.py,
    # every flight task in-process and over HTTP by tests/envs/flight/test_tasks.py
    tasks = [t for t in CATALOG.ids() if not t.startswith(("terminal/", "flight/"))] + [
        "terminal/latency-report",
        "flight/cheapest-nonstop",
    ]
    out = skillgym("validate", "--seeds", "2", *tasks).stdout
    assert "ok   arithmetic/sum-list@1.0.0" in out
    assert "ok   terminal/latency-report@1.0.1" in out and "shim-the-verifier 0.00" in out
    assert "ok   flight/cheapest-nonstop@1.0.1" in out and "claim-success 0.00" in out
    assert "Every task version checked is valid." in out


def test_site_serves_one_flight_episode_for_a_person_to_click_through():
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "skillgym.cli", "site", "flight/family-trip", "--seed", "2"]
    proc = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    html = page.read().decode()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.2)
        assert "Where to next?" in html and 'data-sg="cookie-accept"' in html
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    latest = TaskCatalog.load().resolve("flight/family-trip").ref
    assert f"# {latest} seed 2" in out and "Aerolane for this episode" in out


def test_validate_runs_terminal_tasks_in_the_sandbox_it_is_given(docker_engine):
    out = skillgym("validate", "--seeds", "1", "--sandbox", "docker", "terminal/jq-extract").stdout
    assert "Terminal tasks run in the docker sandbox." in out
    assert "ok   terminal/jq-extract@1.0.1" in out


def test_validate_locks_a_new_task_and_refuses_a_change_without_a_new_version(tmp_path):
    shutil.copytree(TASKS / "arithmetic" / "sum-list", tmp_path / "arithmetic" / "sum-list")
    first = skillgym("validate", "--tasks-dir", str(tmp_path), "--seeds", "1", check=False)
    assert first.returncode == 1 and "is not in versions.lock" in first.stdout
    locked = skillgym("validate", "--tasks-dir", str(tmp_path), "--seeds", "1", "--update-lock")
    assert (
        "new  arithmetic/sum-list@1.0.0" in locked.stdout and "added 1 version(s)" in locked.stdout
    )
    task = tmp_path / "arithmetic" / "sum-list" / "task.yaml"
    task.write_text(task.read_text().replace("count: 8", "count: 9"))
    changed = skillgym(
        "validate", "--tasks-dir", str(tmp_path), "--seeds", "1", "--update-lock", check=False
    )
    assert changed.returncode == 1
    assert "changed since it was locked" in changed.stdout and "e.g. 1.0.1" in changed.stdout
