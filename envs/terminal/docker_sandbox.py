"""The container sandbox: one Docker container per episode, the isolation labs run at scale.

The container starts from the task's image (default: the terminal base image built
offline by ``containers/terminal/build-base.sh``) with ``--network none`` unless the
task needs the network, memory/CPU/pids limits, and the shell server mounted
read-only; the agent's shell is one ``docker exec -i`` kept open for the episode, so
a command costs a pipe round trip, not an exec. Containers carry the label
``skillgym.sandbox`` and their owner (boot id, pid and its start time): the first sandbox a process
starts removes the containers of owners that are gone (a killed server's).
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import threading
from pathlib import Path
from typing import ClassVar

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.terminal.owners import owner_alive, owner_id
from skillgym.envs.terminal.sandbox import (
    AGENT_UID,
    INSIDE_DIR,
    SCRATCH,
    WORKSPACE,
    Sandbox,
    SandboxSpec,
    VerifierRun,
)
from skillgym.envs.terminal.shell_client import ShellClient

LABEL = "skillgym.sandbox"
OWNER_LABEL = "skillgym.owner"
CONTAINERS_DIR = Path(__file__).resolve().parents[2] / "containers" / "terminal"
DOCKER_TIMEOUT = 60.0
HARBOR_LOGS = ("/logs/verifier", "/logs/agent")
HARBOR_SHELL_ENV = {"TERM": "dumb", "DEBIAN_FRONTEND": "noninteractive"}
"""Added to the image's environment in a Harbor task's shell (no prompts: stdin is empty)."""
_reaped = threading.Event()


def docker(*args: str, stdin: bytes | None = None, timeout: float = DOCKER_TIMEOUT) -> str:
    """Run one ``docker`` CLI command and return its stdout.

    Raises:
        SandboxError: If docker is missing, the engine is down, or the command fails.
    """
    try:
        done = subprocess.run(
            ["docker", *args], input=stdin, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise SandboxError(
            "The docker CLI is missing: apt-get install docker.io (make test does)."
        ) from None
    except subprocess.TimeoutExpired:
        raise SandboxError(f"docker {args[0]} did not finish within {timeout:g} s.") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        if "Cannot connect to the Docker daemon" in message:
            raise SandboxError(
                "The Docker engine is not running: start it with `sh containers/docker-engine.sh` "
                "(as root; make test does)."
            )
        raise SandboxError(f"docker {args[0]} failed: {message[-1000:]}")
    return done.stdout.decode(errors="replace").strip()


def base_image_tag() -> str:
    """The tag ``containers/terminal/build-base.sh`` gives the base image it builds."""
    if not (CONTAINERS_DIR / "build-base.sh").exists():
        raise SandboxError(
            "The terminal base image is built from a source checkout (containers/terminal/); "
            "give the task an image, or build the base image there with `make images`."
        )
    digest = hashlib.sha256()
    for name in ("build-base.sh", "packages.txt"):
        digest.update((CONTAINERS_DIR / name).read_bytes())
    return f"skillgym/terminal-base:{digest.hexdigest()[:12]}"


def build_base_image() -> str:
    """Build the base image if it is missing (cached) and return its tag."""
    script = CONTAINERS_DIR / "build-base.sh"
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SandboxError(f"Building the terminal base image failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def reap_orphan_containers() -> list[str]:
    """Remove SkillGym containers whose owning process is gone; their ids."""
    listing = docker(
        "ps",
        "-a",
        "--filter",
        f"label={LABEL}",
        "--format",
        '{{.ID}} {{.Label "' + OWNER_LABEL + '"}}',
    )
    orphans = []
    for line in listing.splitlines():
        container, _, owner = line.partition(" ")
        if not owner_alive(owner):
            orphans.append(container)
    if orphans:
        docker("rm", "-f", *orphans)
    return orphans


class DockerSandbox(Sandbox):
    """A container per episode; see the module docstring."""

    kind: ClassVar[str] = "docker"

    def __init__(self, spec: SandboxSpec) -> None:
        super().__init__(spec)
        self.image = spec.image or base_image_tag()
        self.container: str | None = None
        self.user = "0" if spec.user == "root" or spec.harbor else str(AGENT_UID)

    def start(self) -> None:
        """Start the container and the shell server in it."""
        if not _reaped.is_set():
            reap_orphan_containers()
            _reaped.set()
        harbor = self.spec.harbor is not None
        self.container = docker(
            "run",
            "-d",
            # Harbor's container runs `sleep infinity` as its first process, which no kill
            # from inside can end; behind an init, the agent's `kill -9 -1` would end the
            # container. Others get an init that reaps their orphans.
            *([] if harbor else ["--init"]),
            "--name",
            self.name,
            "--hostname",
            "sandbox",
            "--label",
            f"{LABEL}=1",
            "--label",
            f"{OWNER_LABEL}={owner_id()}",
            "--network",
            "host" if self.spec.network or harbor else "none",
            "--memory",
            f"{self.spec.memory_mb}m",
            "--memory-swap",
            f"{self.spec.memory_mb}m",
            "--pids-limit",
            str(self.spec.pids),
            "--cpus",
            f"{self.spec.cpus:g}",
            "--ulimit",
            "core=0",
            "--ulimit",
            f"fsize={1 << 30}",
            "--security-opt",
            "no-new-privileges",
            *self._capability_options(),
            "-v",
            f"{INSIDE_DIR}:/skillgym:ro",
            "-w",
            self.spec.workdir,
            "-u",
            "0",
            self.image,
            "sleep",
            "infinity",
        )
        try:
            if harbor:  # what Harbor's compose file mounts
                docker("exec", "-u", "0", self.container, "mkdir", "-p", *HARBOR_LOGS)
            elif self.spec.workdir != WORKSPACE:  # docker made it, owned by root
                docker("exec", "-u", "0", self.container, "chown", self.user, self.spec.workdir)
            self._start_server()
        except SandboxError:
            self.close()
            raise

    def stop_processes(self) -> None:
        """Kill every process of the agent's user (a root agent's container is restarted).

        The shell server goes in the same kill as the rest, never before it: a process
        that watches for the shell to end must not get a moment to touch the outputs.
        """
        if self.container is not None:
            if self.user == "0":  # kill -1 as root would end the container's `sleep` too
                docker("restart", "-t", "0", self.container)
            else:  # as the agent, kill -1 reaches exactly the agent's processes
                with contextlib.suppress(SandboxError):  # "no process killed" is not an error
                    docker("exec", "-u", self.user, self.container, "kill", "-KILL", "-1")
        self._stop_server()

    def restart_shell(self) -> None:
        """Start a new shell server after the old one died; the files stay.

        A Harbor task's other processes stay too, as they do under Harbor, whose every
        command is a ``docker exec`` of its own: only a stopped container is started again.
        """
        if self.spec.harbor is None:
            super().restart_shell()
            return
        assert self.container is not None
        self._stop_server()
        if docker("inspect", "-f", "{{.State.Running}}", self.container) != "true":
            docker("start", self.container)
        self._start_server()

    def run_verifier(self, bundle: bytes, stdin: bytes, timeout: float) -> VerifierRun:
        """Unpack ``bundle`` at /verifier (the runner's, which deletes the tests once collected) and run it."""
        assert self.container is not None
        docker(
            "exec",
            "-i",
            "-u",
            "0",
            self.container,
            "sh",
            "-c",
            "rm -rf /verifier && mkdir /verifier && tar -x -C /verifier --no-same-owner "
            f"&& mkdir -p {SCRATCH}/home {SCRATCH}/tmp && chmod -R u+rwX,go-rwx /verifier "
            f"&& chown -R {self.user} /verifier",
            stdin=bundle,
        )
        args = [
            *self._exec("/verifier", self.spec.verifier_env()),
            "/usr/bin/python3",
            "-I",
            "/verifier/run_tests.py",
        ]
        return self._run_runner(args, stdin, timeout)

    def exec_root(self, script: str, stdin: bytes, timeout: float) -> VerifierRun:
        """Run ``bash -c script`` as root in the workdir with the image's environment.

        Its stdout and stderr come back together; at the timeout it is killed.
        """
        assert self.container is not None
        args = ["docker", "exec", "-i", "-u", "0", "-w", self.spec.workdir, self.container,
                "bash", "-c", f"exec 2>&1; {script}"]  # fmt: skip
        return self._run_runner(args, stdin, timeout)

    def close(self) -> None:
        """Remove the container (and with it every process and file)."""
        if self.closed:
            return
        self.closed = True
        self._stop_server()
        if self.container is not None:
            with contextlib.suppress(SandboxError):
                docker("rm", "-f", self.container)

    def _exec(self, workdir: str, variables: dict[str, str]) -> list[str]:
        """``docker exec -i`` as the agent's user in ``workdir`` with exactly ``variables``.

        A Harbor task's shell keeps the image's environment (its ``ENV`` lines), as
        Harbor's ``docker exec`` does; ``variables`` are added to it.
        """
        assert self.container is not None
        if self.spec.harbor is not None:
            extra = [f"--env={name}={value}" for name, value in variables.items()]
            return ["docker", "exec", "-i", "-u", "0", "-w", workdir, *extra, self.container]
        assignments = [f"{name}={value}" for name, value in variables.items()]
        return ["docker", "exec", "-i", "-u", self.user, "-w", workdir, self.container,
                "env", "-i", *assignments]  # fmt: skip

    def _capability_options(self) -> list[str]:
        """A Harbor task keeps Docker's default capabilities, as Harbor runs it; others drop all."""
        if self.spec.harbor is not None:
            return []
        return ["--cap-drop", "ALL", *(f"--cap-add={cap}" for cap in self._capabilities())]

    def _capabilities(self) -> list[str]:
        """A root agent gets the everyday root powers; else only our own root chown."""
        if self.spec.user == "root":
            return ["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETUID", "SETGID"]
        return ["CHOWN"]  # an agent of uid 1000 (no-new-privileges) can never use it

    def _start_server(self) -> None:
        assert self.container is not None
        variables = self.spec.shell_env() if self.spec.harbor is None else HARBOR_SHELL_ENV
        self._server = subprocess.Popen(
            [
                *self._exec(
                    self.spec.workdir, {**variables, "SKILLGYM_WORKDIR": self.spec.workdir}
                ),
                "/usr/bin/python3",
                "-I",
                "-S",
                "/skillgym/shell_server.py",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._shell = ShellClient(self._server)
