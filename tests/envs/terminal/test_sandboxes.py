"""Both sandboxes hold what the agent does: every escape tried here must fail."""

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillgym.envs.terminal.owners import owner_id
from skillgym.envs.terminal.sandbox import Sandbox, SandboxSpec, sandbox_class


@pytest.fixture
def box(sandbox_kind: str) -> Iterator[Sandbox]:
    sandbox = sandbox_class(sandbox_kind)(SandboxSpec(memory_mb=256, pids=64))
    sandbox.start()
    yield sandbox
    sandbox.close()


def sh(box: Sandbox, command: str, timeout: float = 10):
    return box.shell.run(command, timeout=timeout, cap=8192)


def test_the_agent_is_an_unprivileged_user_in_the_workspace(box):
    result = sh(box, "id -u; pwd; echo $HOME")
    assert result.stdout.split() == ["1000", "/workspace", "/home/agent"]


def test_the_project_tasks_and_home_directories_are_not_there(box):
    result = sh(box, "ls -d /work /root/.ssh /tasks /home/*/ 2>/dev/null; echo end")
    assert result.stdout.split() == ["/home/agent/", "end"] or result.stdout.split() == ["end"]
    # nothing on the sandbox's filesystem (but the system's /usr) carries the tests' text
    found = sh(
        box,
        "grep -rl --exclude-dir={proc,sys,dev,usr} SECRET-MARKER-7f3a / 2>/dev/null | head -3; echo done",
        timeout=30,
    )
    assert not found.timed_out
    assert found.stdout.strip() == "done"


def test_the_servers_environment_is_not_readable_inside(sandbox_kind, monkeypatch):
    marker = f"marker-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setenv("SKILLGYM_TEST_LEAK", marker)
    with sandbox_class(sandbox_kind)(SandboxSpec()) as box:
        found = sh(box, "cat /proc/*/environ /proc/*/cmdline 2>/dev/null | tr '\\0' '\\n'; env")
        assert found.stdout.strip(), "the probe read nothing at all"
        assert marker not in found.stdout
        assert "SKILLGYM_TEST_LEAK" not in found.stdout


def test_the_agents_files_belong_to_an_unprivileged_host_uid(box):
    result = sh(box, "touch mine && stat -c %u mine && grep ^Uid: /proc/self/status")
    assert result.stdout.split()[:2] == ["1000", "Uid:"]
    if box.kind == "bwrap" and os.geteuid() == 0:
        host_uid = (box.root / "workspace" / "mine").stat().st_uid
        assert host_uid >= 200_000, host_uid
    if box.kind == "docker":  # no user namespace: uid 1000 inside is uid 1000 on the host
        assert sh(box, "cat /proc/self/uid_map").stdout.split() == ["0", "0", "4294967295"]


def test_ps_shows_the_agents_processes_and_no_host_path(box):
    listing = sh(box, "ps -eo args").stdout
    for host_path in ("/tmp/skillgym-sandboxes", str(Path.cwd()), "/var/lib/docker", "--ro-bind"):
        assert host_path not in listing
    assert len(listing) < 600, listing
    assert "shell_server.py" in listing


def test_the_network_is_unreachable(box):
    result = sh(
        box,
        "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)\"",
    )
    assert result.exit_code != 0
    assert "unreachable" in result.stderr.lower() or "permission" in result.stderr.lower()


@pytest.mark.parametrize("target", ["/usr/bin/evil", "/etc/passwd", "/evil", "/skillgym/x"])
def test_writing_outside_the_workspace_fails(box, target):
    result = sh(box, f"echo pwned > {target}")
    assert result.exit_code != 0
    assert not os.path.exists("/evil")


def test_a_fork_bomb_stops_at_the_process_limit_and_the_sandbox_recovers(box):
    bomb = sh(box, "bomb() { bomb | bomb & }; bomb; sleep 3", timeout=3)
    assert bomb.timed_out or bomb.exit_code != 0
    # the command's processes are killed at its timeout; the shell answers again
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sh(box, "echo alive").stdout == "alive\n":
            break
    assert sh(box, "echo alive").stdout == "alive\n"


def test_filling_memory_kills_the_hog_not_the_host(box):
    result = sh(box, "python3 -c 'b = bytearray(2 << 30); print(len(b))'", timeout=30)
    assert result.exit_code != 0
    assert "2147483648" not in result.stdout
    assert sh(box, "echo still here").stdout == "still here\n"


def test_no_process_is_left_running_after_close(sandbox_kind):
    sandbox = sandbox_class(sandbox_kind)(SandboxSpec())
    sandbox.start()
    marker = f"left-behind-{os.getpid()}"
    sh(
        sandbox,
        f"cp /bin/sleep /tmp/{marker} && (setsid /tmp/{marker} 1000 &) ; nohup /tmp/{marker} 999 >/dev/null 2>&1 &",
    )
    assert marker in sh(sandbox, "ps -eo args").stdout
    sandbox.close()
    time.sleep(0.2)
    host = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert marker not in host
    if sandbox_kind == "docker":
        listing = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"name={sandbox.name}"],
            capture_output=True,
            text=True,
        ).stdout
        assert listing.strip() == ""
    else:
        assert not sandbox.root.exists()  # type: ignore[attr-defined]


def test_sandboxes_do_not_see_each_other(sandbox_kind):
    spec = SandboxSpec()
    with sandbox_class(sandbox_kind)(spec) as one, sandbox_class(sandbox_kind)(spec) as two:
        sh(one, "echo mine > /workspace/one.txt; echo tmp > /tmp/one.tmp; sleep 300 &")
        seen = sh(two, "ls /workspace /tmp; ps -eo args")
        assert "one.txt" not in seen.stdout and "one.tmp" not in seen.stdout
        assert "sleep 300" not in seen.stdout


def test_a_killed_servers_sandboxes_are_removed_by_the_next_one(tmp_path, monkeypatch):
    from skillgym.envs.terminal import bwrap

    monkeypatch.setenv("SKILLGYM_SANDBOX_DIR", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = tmp_path / "sg-orphan"
    (orphan / "workspace").mkdir(parents=True)
    (orphan / "owner").write_text(owner_id(dead.pid))
    reused = tmp_path / "sg-reused-pid"  # a live pid, but not the process that owned it
    reused.mkdir()
    (reused / "owner").write_text(owner_id(1).rsplit(":", 1)[0] + ":12345")
    alive = tmp_path / "sg-alive"
    alive.mkdir()
    (alive / "owner").write_text(owner_id())
    assert sorted(bwrap.reap_orphans()) == ["sg-orphan", "sg-reused-pid"]
    assert not orphan.exists() and not reused.exists() and alive.exists()


def test_orphan_containers_of_a_dead_owner_are_removed(docker_engine):
    from skillgym.envs.terminal.docker_sandbox import (
        LABEL,
        OWNER_LABEL,
        base_image_tag,
        docker,
        reap_orphan_containers,
    )

    container = docker(
        "run", "-d", "--label", f"{LABEL}=1", "--label", f"{OWNER_LABEL}=another-boot:1",
        "--network", "none", base_image_tag(), "sleep", "60",
    )  # fmt: skip
    assert container[:12] in [c[:12] for c in reap_orphan_containers()]
    assert docker("ps", "-aq", "--filter", f"id={container}") == ""


def test_a_tasks_environment_variables_reach_the_shell(sandbox_kind):
    with sandbox_class(sandbox_kind)(SandboxSpec(env={"APP_MODE": "prod ready"})) as box:
        assert sh(box, 'echo "$APP_MODE"').stdout == "prod ready\n"


def test_a_task_cannot_set_skillgyms_own_variables():
    with pytest.raises(ValueError, match="SKILLGYM_"):
        SandboxSpec(env={"SKILLGYM_WORKDIR": "/etc"})


def test_without_cgroups_bwrap_runs_as_a_uid_of_its_own_with_a_process_limit(monkeypatch, tmp_path):
    from skillgym.envs.terminal.bwrap import BwrapSandbox

    monkeypatch.setenv("SKILLGYM_CGROUP_ROOT", str(tmp_path / "no-cgroups"))
    with BwrapSandbox(SandboxSpec(pids=32)) as box:
        if os.geteuid() == 0:
            assert box.limits_in_force.startswith("rlimit as uid ")
        assert sh(box, "id -u").stdout == "1000\n"
        bomb = sh(box, "for i in $(seq 1 100); do sleep 30 & done; wait", timeout=3)
        assert "Resource temporarily unavailable" in bomb.stderr
        assert sh(box, "echo alive").stdout == "alive\n"
