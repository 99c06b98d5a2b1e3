"""Per-sandbox resource limits through Linux control groups (v1 or v2), when writable.

The bwrap sandbox puts its process into one cgroup per controller before it execs,
so everything the agent starts inherits a memory ceiling, a process-count ceiling
(a fork bomb stops at ``pids.max``) and a CPU quota. Where no cgroup hierarchy is
writable (an unprivileged laptop), :func:`create_cgroup` returns None and the
sandbox falls back to per-process rlimits; ``limits_in_force`` says which applied.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.terminal.settings import SandboxSettings

PARENT = "skillgym"
CPU_PERIOD_US = 100_000


@dataclass(frozen=True)
class ResourceLimits:
    """The ceilings of one sandbox."""

    memory_bytes: int
    pids: int
    cpus: float


class Cgroup:
    """One sandbox's cgroup: a directory per controller (v1) or one directory (v2)."""

    def __init__(self, directories: list[Path], version: int) -> None:
        self.directories = directories
        self.version = version

    def attach_current_process(self) -> None:
        """Move the calling process in (runs between fork and exec: plain syscalls only)."""
        pid = str(os.getpid()).encode()
        for directory in self.directories:
            fd = os.open(directory / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def pids(self) -> set[int]:
        """Every process in the cgroup."""
        found: set[int] = set()
        for directory in self.directories:
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (directory / "cgroup.procs").read_text().split())
        return found

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup until it is empty (or 2 s pass)."""
        deadline = time.monotonic() + 2.0
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Kill what is left and remove the directories."""
        self.kill_all()
        for directory in self.directories:
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy for a moment after the last process exits
                    time.sleep(0.02)


def create_cgroup(name: str, limits: ResourceLimits) -> Cgroup | None:
    """A new cgroup with ``limits``, or None where no hierarchy can be written."""
    root = SandboxSettings.from_environment().cgroup_root
    try:
        if (root / "cgroup.controllers").exists():
            return _create_v2(root, name, limits)
        return _create_v1(root, name, limits)
    except OSError:
        return None


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _create_v1(root: Path, name: str, limits: ResourceLimits) -> Cgroup | None:
    settings = {
        "memory": {"memory.limit_in_bytes": str(limits.memory_bytes)},
        "pids": {"pids.max": str(limits.pids)},
        "cpu": {
            "cpu.cfs_period_us": str(CPU_PERIOD_US),
            "cpu.cfs_quota_us": str(int(limits.cpus * CPU_PERIOD_US)),
        },
    }
    if not all(os.access(root / c, os.W_OK) for c in ("memory", "pids")):
        return None
    directories = []
    try:
        for controller, values in settings.items():
            if not (root / controller).is_dir():
                continue  # cpu is optional; memory and pids are checked above
            directory = root / controller / PARENT / name
            directory.mkdir(parents=True, exist_ok=True)
            directories.append(directory)
            for key, value in values.items():
                _write(directory / key, value)
            swap = directory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                _write(swap, str(limits.memory_bytes))
    except OSError:
        Cgroup(directories, 1).remove()
        return None
    return Cgroup(directories, 1)


def _create_v2(root: Path, name: str, limits: ResourceLimits) -> Cgroup | None:
    parent = root / PARENT
    wanted = {"memory", "pids", "cpu"}
    available = set((root / "cgroup.controllers").read_text().split())
    if not {"memory", "pids"} <= available:
        return None
    parent.mkdir(exist_ok=True)
    enable = " ".join(f"+{c}" for c in sorted(wanted & available))
    _write(root / "cgroup.subtree_control", enable)
    _write(parent / "cgroup.subtree_control", enable)
    directory = parent / name
    directory.mkdir(exist_ok=True)
    try:
        _write(directory / "memory.max", str(limits.memory_bytes))
        _write(directory / "pids.max", str(limits.pids))
        if "cpu" in available:
            _write(directory / "cpu.max", f"{int(limits.cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}")
        with contextlib.suppress(OSError):
            _write(directory / "memory.swap.max", "0")
    except OSError:
        Cgroup([directory], 2).remove()
        return None
    return Cgroup([directory], 2)
