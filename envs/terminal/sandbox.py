"""One interface for the places an episode's shell runs: ``bwrap`` and ``docker``.

A :class:`Sandbox` holds a writable workspace and ``/tmp``, no network unless the
task asks, CPU/memory/process limits, and one shell server (``inside/shell_server.py``)
running as the agent's user. Everything the environment does inside goes through
:attr:`Sandbox.shell`; verification goes through :meth:`Sandbox.run_verifier`, a
fresh process with a clean environment started after every agent process is gone.
"""

from __future__ import annotations

import abc
import contextlib
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.terminal.shell_client import ShellClient

INSIDE_DIR = Path(__file__).resolve().parent / "inside"
"""Files mounted read-only at ``/skillgym`` in every sandbox: the shell server, the test runner."""
WORKSPACE = "/workspace"
AGENT_UID = 1000
SandboxKind = Literal["bwrap", "docker"]
SANDBOX_KINDS: tuple[SandboxKind, ...] = ("bwrap", "docker")
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
SCRATCH = "/verifier/scratch"
VERIFIER_ENV = {
    "PATH": SANDBOX_PATH,
    "LANG": "C.UTF-8",
    # Fresh places the agent never had: its /tmp and home may hold a usercustomize.py,
    # .pth files or planted bytecode that a test's `python3` would otherwise pick up.
    "HOME": f"{SCRATCH}/home",
    "TMPDIR": f"{SCRATCH}/tmp",
    "PYTHONNOUSERSITE": "1",
    "PYTHONPYCACHEPREFIX": f"{SCRATCH}/pycache",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}
"""The verifier's whole environment (plus the task's ``env``)."""


class HarborSpec(BaseModel):
    """How a task imported from Harbor runs as Harbor runs it (``sandbox.harbor``).

    The task's folder keeps Harbor's ``harbor/environment`` (built into the task's image on
    the local stand-ins), ``harbor/solution`` (copied to ``/solution`` for the oracle only)
    and ``harbor/tests`` (copied to ``/tests`` after submit; ``bash /tests/test.sh`` runs
    as written, as root, in the workdir, and the reward is read from
    ``/logs/verifier/reward.json`` or ``reward.txt``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uv: str = Field(
        default="0.9.5",
        pattern=r"^\d+\.\d+\.\d+$",
        description="The uv the image carries where astral's installer puts it.",
    )
    pythons: list[str] = Field(
        default_factory=list,
        description="CPython versions (3.13) the image carries where uv keeps the ones it downloads.",
    )
    agent_timeout: float = Field(
        default=900.0, gt=0, le=86400, description="task.toml's [agent] timeout_sec: the oracle's."
    )
    build_timeout: float = Field(
        default=1800.0, gt=0, le=86400, description="Seconds the image build may take."
    )


class SandboxSpec(BaseModel):
    """What a task needs of its sandbox (``task.yaml``'s ``sandbox:`` section).

    Example:
        >>> SandboxSpec(packages=["jq"], memory_mb=256).network
        False
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    packages: list[str] = Field(
        default_factory=list,
        description="Debian packages the task uses; each must be in containers/terminal/packages.txt.",
    )
    network: bool = Field(default=False, description="Whether the sandbox may reach the network.")
    image: str | None = Field(
        default=None, description="Docker image; default: the locally built terminal base image."
    )
    user: Literal["agent", "root"] = Field(
        default="agent", description="Who the agent is inside: uid 1000, or root (docker only)."
    )
    sandboxes: list[SandboxKind] = Field(
        default_factory=lambda: list(SANDBOX_KINDS),
        description="The sandboxes the task supports.",
    )
    memory_mb: int = Field(default=1024, gt=16, le=65536)
    pids: int = Field(default=256, gt=8, le=32768)
    cpus: float = Field(default=1.0, gt=0, le=64)
    command_timeout: float = Field(
        default=60.0, gt=0, le=3600, description="A command's default timeout, seconds."
    )
    verifier_timeout: float = Field(default=120.0, gt=0, le=3600)
    verifier: Literal["same", "separate"] | None = Field(
        default=None,
        description=(
            "Where the tests run: 'same' (this sandbox's files, every agent process gone) "
            "or 'separate' (a fresh sandbox given only `outputs`). Default: same, or separate "
            "when the agent is root (it could have replaced the verifier's interpreter)."
        ),
    )
    workdir: str = Field(
        default=WORKSPACE,
        description="The agent's working directory and workspace (imported tasks often use /app).",
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables of the agent's shell and of the tests (a Dockerfile's ENV).",
    )
    hide_tests: bool = Field(
        default=True,
        description=(
            "Delete the tests' files (and params.json) once pytest has collected them, before "
            "any agent code the tests start can read them. False for tests that read their own "
            "files while they run (imported Harbor tasks)."
        ),
    )
    outputs: list[str] = Field(
        default_factory=list,
        description="Workspace paths the task's result lives in (what a separate verifier receives).",
    )
    reward: Literal["share", "all"] = Field(
        default="share",
        description=(
            "'share': the share of tests passed, gated on the essential ones; 'all': 1 only "
            "when every test passes, else 0 (Harbor's rule, kept by imported Harbor tasks)."
        ),
    )
    harbor: HarborSpec | None = Field(
        default=None,
        description="Run in docker as Harbor runs the task (imported Harbor tasks; see HarborSpec).",
    )

    @field_validator("workdir")
    @classmethod
    def _own_directory(cls, value: str) -> str:
        path = PurePosixPath(value)
        reserved = ("/usr", "/bin", "/lib", "/sbin", "/etc", "/proc", "/dev", "/sys", "/tmp",
                    "/home", "/root", "/skillgym", "/verifier")  # fmt: skip
        if (
            not path.is_absolute()
            or ".." in path.parts
            or len(path.parts) < 2
            or any(value == r or value.startswith(r + "/") for r in reserved)
        ):
            raise ValueError(
                f"expects an absolute directory of its own like /workspace or /app, actual value: {value!r}"
            )
        return str(path)

    @field_validator("env")
    @classmethod
    def _variable_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not name.isidentifier() or name.startswith("SKILLGYM_"):
                raise ValueError(
                    f"expects variable names like JAVA_HOME (not SKILLGYM_*), actual name: {name!r}"
                )
        return value

    def shell_env(self) -> dict[str, str]:
        """The whole environment of the agent's shell: ours, then the task's ``env``."""
        user, home = ("root", "/root") if self.user == "root" else ("agent", "/home/agent")
        return {
            "PATH": SANDBOX_PATH,
            "HOME": home,
            "USER": user,
            "LOGNAME": user,
            "SHELL": "/bin/bash",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "TMPDIR": "/tmp",
            "SKILLGYM_WORKDIR": self.workdir,
            **self.env,
        }

    def verifier_env(self) -> dict[str, str]:
        """The whole environment of the verifier: the task's ``env``, then ours (ours win)."""
        return {**self.env, **VERIFIER_ENV}

    @property
    def verifier_mode(self) -> Literal["same", "separate"]:
        """The verifier mode in force (see ``verifier``)."""
        if self.verifier is not None:
            return self.verifier
        return "separate" if self.user == "root" else "same"


@dataclass(frozen=True)
class VerifierRun:
    """What the verifier process printed and how it ended."""

    stdout: bytes
    exit_code: int | None
    timed_out: bool


class Sandbox(abc.ABC):
    """An isolated place for one episode's shell; :meth:`close` removes every trace.

    Lifecycle: ``start()`` (workspace ready, shell answering) -> any number of shell
    calls (and ``restart_shell()`` if the server died) -> ``stop_processes()`` ->
    ``run_verifier()`` -> ``close()``.
    """

    kind: ClassVar[str] = ""

    def __init__(self, spec: SandboxSpec) -> None:
        self.spec = spec
        self.name = f"sg-{secrets.token_hex(6)}"
        self._shell: ShellClient | None = None
        self._server: subprocess.Popen[bytes] | None = None
        """The process whose pipes the shell server answers on (bwrap, or docker exec -i)."""
        self.closed = False

    @property
    def shell(self) -> ShellClient:
        """The running shell server."""
        if self._shell is None or self.closed:
            raise SandboxError(f"The {self.kind} sandbox {self.name} is not running.")
        return self._shell

    @abc.abstractmethod
    def start(self) -> None:
        """Create the sandbox and start its shell server."""

    def restart_shell(self) -> None:
        """Start a new shell server after the old one died; the files stay."""
        self.stop_processes()
        self._start_server()

    @abc.abstractmethod
    def stop_processes(self) -> None:
        """Kill every process the agent could have started; the files stay."""

    @abc.abstractmethod
    def run_verifier(self, bundle: bytes, stdin: bytes, timeout: float) -> VerifierRun:
        """Unpack ``bundle`` (a tar) at ``/verifier`` and run its ``run_tests.py`` there.

        The process runs as the agent's user with a clean environment and the system
        interpreter, and is killed after ``timeout`` seconds.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Kill everything and remove the sandbox; safe to call more than once."""

    def _run_runner(
        self, args: list[str], stdin: bytes, timeout: float, **popen: Any
    ) -> VerifierRun:
        """Run the verifier's process ``args`` to its end, or kill it and its tests at the timeout.

        Processes a finished run leaves go with :meth:`close`, which always follows.
        """
        process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **popen
        )
        try:
            stdout, _ = process.communicate(stdin, timeout=timeout)
            return VerifierRun(stdout, process.returncode, False)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, _ = process.communicate()
            self.stop_processes()  # a docker exec's process outlives its killed client
            return VerifierRun(stdout, None, True)

    @abc.abstractmethod
    def _start_server(self) -> None:
        """Start the shell server process and connect :attr:`shell` to it."""

    def _stop_server(self) -> None:
        """Close the shell's pipes and kill the process they lead to."""
        if self._shell is not None:
            self._shell.close()
            self._shell = None
        if self._server is not None:
            with contextlib.suppress(ProcessLookupError):
                self._server.kill()
            self._server.wait()
            self._server = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def sandbox_class(kind: str) -> type[Sandbox]:
    """The sandbox implementation called ``kind`` (``bwrap`` or ``docker``).

    Raises:
        SandboxError: For another name.
    """
    if kind == "bwrap":
        from skillgym.envs.terminal.bwrap import BwrapSandbox

        return BwrapSandbox
    if kind == "docker":
        from skillgym.envs.terminal.docker_sandbox import DockerSandbox

        return DockerSandbox
    raise SandboxError(f"Unknown sandbox {kind!r}; expects 'bwrap' or 'docker'.")
