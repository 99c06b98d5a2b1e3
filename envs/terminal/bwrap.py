"""The local sandbox: bubblewrap namespaces over read-only system directories.

Each sandbox is a directory on the host (``$SKILLGYM_SANDBOX_DIR``, default
``<tmp>/skillgym-sandboxes/<name>``) holding the episode's ``workspace``, ``tmp`` and
``home``; bwrap mounts them writable and, read-only, only ``/usr`` (with the
merged-usr links ``/bin``, ``/lib*``, ``/sbin``), a handful of ``/etc`` files and the
shell server. Never the project, the tasks, other home directories or secrets. It
unshares every namespace (no network unless the task asks), maps the agent to uid
1000 with no capabilities, dies with its parent, and lives in its own cgroup
(memory, pids, CPU). Closing kills the namespace and removes the directory.

Nothing of the host shows inside: bwrap starts with an empty environment (its own
process is the namespace's pid 1, whose ``/proc/1/environ`` any process inside can
read) and reads its options from a pipe (``--args``), so ``ps`` shows
``bwrap --args <fd>`` and the command, not the host paths it binds. On a root host
every sandbox runs as a host uid of its own (:data:`UNPRIVILEGED_UIDS`): what the
agent writes is owned by that uid, which owns nothing else on the host.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import secrets
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.terminal.cgroups import (
    PARENT,
    Cgroup,
    ResourceLimits,
    create_cgroup,
)
from skillgym.envs.terminal.owners import owner_alive, owner_id
from skillgym.envs.terminal.sandbox import (
    AGENT_UID,
    INSIDE_DIR,
    Sandbox,
    SandboxSpec,
    VerifierRun,
)
from skillgym.envs.terminal.settings import SandboxSettings
from skillgym.envs.terminal.shell_client import ShellClient

BWRAP = shutil.which("bwrap") or "/usr/bin/bwrap"
SYSTEM_PYTHON = "/usr/bin/python3"
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "nsswitch.conf",
    "mime.types",
)
NETWORK_ETC_FILES = ("resolv.conf", "ssl", "ca-certificates")
_reaped = threading.Event()
UNPRIVILEGED_UIDS = range(200_000, 1_200_000)
"""Host uids a root host runs sandboxes as (one per sandbox, drawn at random): above any
account's uid, so the agent owns nothing on the host but its sandbox's files."""
FILE_SIZE_LIMIT = 1 << 30
"""No single file over 1 GiB (RLIMIT_FSIZE); bwrap has no per-sandbox disk quota."""


def sandboxes_dir() -> Path:
    """Where bwrap sandboxes keep their files (``$SKILLGYM_SANDBOX_DIR`` overrides)."""
    configured = SandboxSettings.from_environment().sandbox_dir
    return configured or Path(tempfile.gettempdir()) / "skillgym-sandboxes"


def reap_orphans(root: Path | None = None) -> list[str]:
    """Remove the sandboxes (files, cgroups) whose owning process is gone: a killed server's.

    Their processes died with it (``--die-with-parent``); what is left is on disk.
    """
    root = root or sandboxes_dir()
    cgroup_root = SandboxSettings.from_environment().cgroup_root
    removed = []
    for owner_file in root.glob("*/owner"):
        try:
            owner = owner_file.read_text()
        except OSError:
            continue
        if not owner_alive(owner):
            name = owner_file.parent.name
            for controller_dir in cgroup_root.glob(f"*/{PARENT}/{name}"):
                Cgroup([controller_dir], 1).remove()
            Cgroup([cgroup_root / PARENT / name], 2).remove()
            shutil.rmtree(owner_file.parent, ignore_errors=True)
            removed.append(name)
    return removed


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (for bwrap: the namespace's init)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class BwrapSandbox(Sandbox):
    r"""A bubblewrap sandbox; see the module docstring.

    Example:
        >>> with BwrapSandbox(SandboxSpec()) as box:  # doctest: +SKIP
        ...     box.shell.run("echo hi", timeout=5, cap=1000).stdout
        'hi\\n'
    """

    kind: ClassVar[str] = "bwrap"

    def __init__(self, spec: SandboxSpec) -> None:
        super().__init__(spec)
        if spec.user == "root":
            raise SandboxError(
                "The bwrap sandbox runs the agent as uid 1000 only; this task needs root: "
                "use the docker sandbox."
            )
        self.root = sandboxes_dir() / self.name
        self._cgroup: Cgroup | None = None
        self._host_uid: int | None = None
        self.limits_in_force = "none"

    # ---- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        """Create the directories and the cgroup, and start the shell server."""
        if not Path(BWRAP).exists():
            raise SandboxError(
                "bubblewrap is missing: apt-get install bubblewrap (make setup does)."
            )
        if not _reaped.is_set():  # once per process: what a killed server left on disk
            _reaped.set()
            reap_orphans()
        for sub in ("workspace", "tmp", "home", "etc", "skillgym"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "owner").write_text(owner_id())
        self._write_etc()
        # Our own copy of the shell server: the sandbox's uid may not reach the install.
        for path in INSIDE_DIR.glob("*.py"):
            shutil.copy(path, self.root / "skillgym" / path.name)
        self._cgroup = create_cgroup(
            self.name,
            ResourceLimits(self.spec.memory_mb << 20, self.spec.pids, self.spec.cpus),
        )
        self.limits_in_force = "cgroup" if self._cgroup is not None else "rlimit"
        if os.geteuid() == 0:
            self._host_uid = UNPRIVILEGED_UIDS.start + secrets.randbelow(len(UNPRIVILEGED_UIDS))
            self.limits_in_force += f" as uid {self._host_uid}"
            for sub in ("workspace", "tmp", "home"):
                os.chown(self.root / sub, self._host_uid, self._host_uid)
        elif self._cgroup is None:
            self.limits_in_force += " (processes: bounded by the container's or the user's limits)"
        try:
            self._start_server()
        except SandboxError as exc:
            if self._host_uid is None:
                raise
            raise SandboxError(
                f"{exc} The bwrap sandbox runs as an unprivileged host uid, which needs "
                "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1); "
                "without them use the docker sandbox."
            ) from None

    def stop_processes(self) -> None:
        """Kill the namespace (its init takes every process with it) and the cgroup's rest.

        The namespace's init is killed first and bwrap waits for it, so when the server's
        process is reaped every process of the agent is gone, none outliving the shell.
        """
        if self._server is not None:
            for init in _children(self._server.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(init, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._server.wait(timeout=5)
        self._stop_server()
        if self._cgroup is not None:
            self._cgroup.kill_all()

    def run_verifier(self, bundle: bytes, stdin: bytes, timeout: float) -> VerifierRun:
        """A new namespace over the same files, ``bundle`` at /verifier (the runner's to delete)."""
        verifier_dir = self.root / "verifier"
        shutil.rmtree(verifier_dir, ignore_errors=True)
        verifier_dir.mkdir()
        with tarfile.open(fileobj=io.BytesIO(bundle)) as tar:
            # The bundle is the server's own (the task's tests); the filter is a second guard,
            # and Python before 3.11.4 (Debian 12's 3.11.2, in the family image) has none.
            if hasattr(tarfile, "data_filter"):
                tar.extractall(verifier_dir, filter="data")
            else:
                tar.extractall(verifier_dir)
        for sub in ("home", "tmp"):
            (verifier_dir / "scratch" / sub).mkdir(parents=True)
        if self._host_uid is not None:
            for path in (verifier_dir, *verifier_dir.rglob("*")):
                os.chown(path, self._host_uid, self._host_uid, follow_symlinks=False)
        options = [
            *self._bwrap_args(extra_binds=[("--bind", verifier_dir, "/verifier")]),
            "--chdir",
            "/verifier",
            *setenv(self.spec.verifier_env()),
        ]
        command = [SYSTEM_PYTHON, "-I", "/verifier/run_tests.py"]
        with self._bwrap(options, command) as (argv, settings):
            return self._run_runner(argv, stdin, timeout, **settings)

    def close(self) -> None:
        """Kill everything, remove the cgroup and every file of the sandbox."""
        if self.closed:
            return
        self.closed = True
        self.stop_processes()
        if self._cgroup is not None:
            self._cgroup.remove()
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- internals ----------------------------------------------------------------
    def _start_server(self) -> None:
        options = [
            *self._bwrap_args(extra_binds=[("--ro-bind", self.root / "skillgym", "/skillgym")]),
            "--chdir",
            self.spec.workdir,
        ]
        command = [SYSTEM_PYTHON, "-I", "-S", "/skillgym/shell_server.py"]
        with self._bwrap(options, command) as (argv, settings):
            with open(self.root / "server.log", "ab") as log:
                self._server = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, **settings
                )
        try:
            self._shell = ShellClient(self._server)
        except SandboxError as exc:
            log_text = (self.root / "server.log").read_text(errors="replace")[-2000:]
            self.stop_processes()
            raise SandboxError(f"{exc} bwrap said: {log_text.strip() or '(nothing)'}") from None

    @contextlib.contextmanager
    def _bwrap(
        self, options: list[str], command: list[str]
    ) -> Iterator[tuple[list[str], dict[str, Any]]]:
        """The command line and ``Popen`` settings of bwrap: ``options`` go through a pipe (``--args``).

        Inside, bwrap's own process is pid 1, whose command line and environment anyone
        can read: the pipe keeps the host paths it binds out of the one, and an empty
        environment keeps the server's out of the other.
        """
        data = b"".join(option.encode() + b"\0" for option in options)
        if len(data) > 60_000:  # within a pipe's buffer: bwrap reads it only after the fork
            raise SandboxError(f"bwrap's options are too long ({len(data)} bytes).")
        read_end, write_end = os.pipe()
        try:
            try:
                os.write(write_end, data)
            finally:
                os.close(write_end)
            settings = {"env": {}, "pass_fds": (read_end,), "preexec_fn": self._limit_child}
            yield [BWRAP, "--args", str(read_end), *command], settings
        finally:
            os.close(read_end)

    def _limit_child(self) -> None:
        """Between fork and exec of bwrap: join the cgroup (or set rlimits), then drop root."""
        os.setsid()
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self._cgroup is not None:
            self._cgroup.attach_current_process()
        else:
            memory = self.spec.memory_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            if self._host_uid is not None:
                # counted per real uid, host-wide: a bound only when the sandbox has a uid of
                # its own. Without root (a replica container's user) every sandbox shares the
                # server's uid with every process of that uid on the host (other replicas'
                # browsers), so the container's pids limit is the bound instead.
                resource.setrlimit(resource.RLIMIT_NPROC, (self.spec.pids, self.spec.pids))
        if self._host_uid is not None:
            os.setgroups([])
            os.setgid(self._host_uid)
            os.setuid(self._host_uid)

    def _write_etc(self) -> None:
        etc = self.root / "etc"
        (etc / "passwd").write_text(
            "root:x:0:0:root:/root:/bin/bash\n"
            f"agent:x:{AGENT_UID}:{AGENT_UID}:agent:/home/agent:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        )
        (etc / "group").write_text(f"root:x:0:\nagent:x:{AGENT_UID}:\nnogroup:x:65534:\n")
        (etc / "hostname").write_text("sandbox\n")
        (etc / "hosts").write_text("127.0.0.1 localhost sandbox\n::1 localhost\n")

    def _bwrap_args(self, extra_binds: list[tuple[str, Path, str]]) -> list[str]:
        args = [
            "--unshare-all",
            "--unshare-user",
            *(["--share-net"] if self.spec.network else []),
            "--disable-userns",
            "--uid",
            str(AGENT_UID),
            "--gid",
            str(AGENT_UID),
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        for link in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
            target = Path("/") / link
            if target.is_symlink():
                args += ["--symlink", os.readlink(target), f"/{link}"]
            elif target.is_dir():
                args += ["--ro-bind", str(target), f"/{link}"]
        etc_names = ETC_FILES + (NETWORK_ETC_FILES if self.spec.network else ())
        for name in etc_names:
            if (Path("/etc") / name).exists():
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        for name in ("passwd", "group", "hostname", "hosts"):
            args += ["--ro-bind", str(self.root / "etc" / name), f"/etc/{name}"]
        args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--bind",
            str(self.root / "workspace"),
            self.spec.workdir,
            "--bind",
            str(self.root / "tmp"),
            "/tmp",
            "--bind",
            str(self.root / "home"),
            "/home/agent",
        ]
        for flag, source, dest in extra_binds:
            args += [flag, str(source), dest]
        args += ["--remount-ro", "/"]  # bwrap's own root tmpfs: nothing new outside the binds
        args += [
            "--clearenv",
        ]
        return args + setenv(self.spec.shell_env())


def setenv(variables: dict[str, str]) -> list[str]:
    """Bwrap's ``--setenv NAME VALUE`` arguments for ``variables`` (later ones win)."""
    return [word for name, value in variables.items() for word in ("--setenv", name, value)]
