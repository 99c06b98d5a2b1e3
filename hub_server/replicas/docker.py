"""``docker``: each replica a container of its family's image, through the Docker SDK.

A container runs with CPU, memory and process limits, no capabilities, labelled
``org.skillgym.*`` with its family and its owner, and with no network: it serves on a
Unix socket in a host folder mounted at ``/run/skillgym``, which a
:class:`~skillgym.hub_server.replicas.forwarder.SocketForwarder` exposes as a URL. It is
used once ``/healthz`` answers through that URL.

Nothing is left behind: the provider removes its containers when closed; a reaper
process removes them when the owner dies without closing (killed, crashed), and a new
provider removes those of owners that are gone before it starts any. Containers of
``skillgym replicas up`` belong to no process and stay until ``skillgym replicas down``.

The terminal family's episodes run in bubblewrap inside the container, which needs the
container to allow user namespaces (``seccomp=unconfined``, ``systempaths=unconfined``);
``docs/replicas.md`` measures that against a sibling container per episode.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from skillgym.hub_server.replicas.forwarder import shared_forwarder
from skillgym.hub_server.replicas.provider import (
    Replica,
    ReplicaError,
    ReplicaProvider,
)

LABEL = "org.skillgym.replica"
FAMILY_LABEL = "org.skillgym.family"
OWNER_LABEL = "org.skillgym.owner"
URL_LABEL = "org.skillgym.url"
DETACHED_OWNER = "detached"
"""The owner of ``skillgym replicas up``'s containers: nobody's process, kept until ``down``."""
SOCKET_DIR = "/run/skillgym"
SOCKET_NAME = "server.sock"
USER_NAMESPACES = ("seccomp=unconfined",)
"""What a container needs for bubblewrap inside it: Docker's seccomp profile refuses new
namespaces, and its masked /proc paths refuse a new /proc (:data:`UNMASKED_PROC`)."""


@dataclass(frozen=True)
class ContainerLimits:
    """What one replica container may use."""

    cpus: float = 1.0
    memory: str = "2g"
    pids: int = 1024
    """Processes and threads (Chromium alone runs a hundred)."""
    shm: str = "256m"
    """/dev/shm: Chromium's renderers share memory through it."""


FAMILY_LIMITS: dict[str, ContainerLimits] = {"arithmetic": ContainerLimits(memory="512m", pids=256)}
FAMILY_SECURITY: dict[str, tuple[str, ...]] = {"terminal": USER_NAMESPACES}
UNMASKED_PROC = frozenset({"terminal"})


@dataclass
class _Running:
    container: Any
    socket_dir: Path | None
    forwarded_port: int | None
    """The port forwarded to the socket in ``socket_dir`` (none for a host-network one)."""


_numbers = itertools.count()


def docker_client() -> Any:
    """A Docker SDK client for the engine ``DOCKER_HOST`` names (default: the local socket).

    Raises:
        ReplicaError: The SDK is missing or the engine does not answer; the message says how
            to start it.
    """
    try:
        import docker
    except ImportError:
        raise ReplicaError(
            "The docker provider needs the Docker SDK: pip install 'skillgym[hub]' (or docker)."
        ) from None
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except docker.errors.DockerException as exc:
        raise ReplicaError(
            f"The Docker engine does not answer ({exc}); start it with `make docker` "
            "(or `sh containers/docker-engine.sh`, as root)."
        ) from None
    return client


def owner_id(pid: int | None = None) -> str:
    """This process as an owner of containers: host, pid and the pid's start time.

    The start time tells a live owner from a new process that got a dead one's pid.
    """
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}/{pid}/{_start_time(pid)}"


def _start_time(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command's parentheses


def owner_alive(owner: str) -> bool:
    """Whether the process ``owner`` names still runs (owners of other hosts: assumed so)."""
    host, _, rest = owner.partition("/")
    if owner == DETACHED_OWNER or host != socket.gethostname():
        return True
    pid, _, started = rest.partition("/")
    return pid.isdigit() and _start_time(int(pid)) == started


def remove_containers(client: Any, *, owner: str | None = None, family: str | None = None) -> int:
    """Remove SkillGym's replica containers (of ``owner``, of ``family``); how many."""
    labels = [f"{LABEL}=1"]
    if owner is not None:
        labels.append(f"{OWNER_LABEL}={owner}")
    if family is not None:
        labels.append(f"{FAMILY_LABEL}={family}")
    removed = 0
    for container in client.containers.list(all=True, filters={"label": labels}):
        with contextlib.suppress(Exception):
            container.remove(force=True)
            removed += 1
    return removed


@dataclass(frozen=True)
class ListedReplica:
    """A replica container as ``skillgym replicas list`` shows it."""

    name: str
    family: str
    url: str
    state: str
    owner: str


def listed_replicas(client: Any | None = None) -> list[ListedReplica]:
    """Every replica container on the engine, running or not."""
    client = client or docker_client()
    return [
        ListedReplica(
            c.name,
            c.labels.get(FAMILY_LABEL, "?"),
            c.labels.get(URL_LABEL, ""),
            c.status,
            c.labels.get(OWNER_LABEL, "?"),
        )
        for c in client.containers.list(all=True, filters={"label": f"{LABEL}=1"})
    ]


def remove_orphans(client: Any) -> int:
    """Remove the replica containers whose owning process is gone; how many."""
    removed = 0
    for container in client.containers.list(all=True, filters={"label": f"{LABEL}=1"}):
        owner = container.labels.get(OWNER_LABEL, "")
        if not owner_alive(owner):
            with contextlib.suppress(Exception):
                container.remove(force=True)
                removed += 1
    return removed


class DockerProvider(ReplicaProvider):
    """Replicas as containers; see the module's docstring.

    Args:
        images: The image of each family; default ``skillgym/<family>:<version>``
            (``skillgym images build``).
        limits: Per family, what a container may use; default :data:`FAMILY_LIMITS` or
            :class:`ContainerLimits`.
        network: ``none`` (a Unix socket, reached through a forwarder) or ``host`` (the
            server listens on a free port of ``host``; for families that need the network).
        host: The interface the replica's URL listens on.
        tasks_dirs: Tasks folders mounted read-only into every replica and loaded there.
        env: More environment variables for every replica.
        detached: Containers that outlive this process (``skillgym replicas up``).

    Example::

        provider = DockerProvider()
        replica = provider.launch("arithmetic")
        print(replica.url)  # http://127.0.0.1:40123
        provider.remove(replica)
        provider.close()
    """

    kind: ClassVar[str] = "docker"

    def __init__(
        self,
        *,
        images: Mapping[str, str] | None = None,
        limits: Mapping[str, ContainerLimits] | None = None,
        network: Literal["none", "host"] = "none",
        host: str = "127.0.0.1",
        tasks_dirs: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
        detached: bool = False,
    ) -> None:
        self.client = docker_client()
        self.images = dict(images or {})
        self.limits = {**FAMILY_LIMITS, **(limits or {})}
        self.network = network
        self.host = host
        self.tasks_dirs = [Path(p).resolve() for p in tasks_dirs]
        self.env = dict(env or {})
        self.detached = detached
        self.owner = DETACHED_OWNER if detached else owner_id()
        self.socket_root = Path(tempfile.gettempdir()) / "skillgym-replicas"
        self._running: dict[str, _Running] = {}
        self._reaper: subprocess.Popen[bytes] | None = None
        remove_orphans(self.client)
        if not detached:
            self._reaper = _start_reaper(self.owner)

    def image(self, family: str) -> str:
        """The image replicas of ``family`` run."""
        if family in self.images:
            return self.images[family]
        from skillgym.hub_server.replicas.images import image_tag

        return image_tag(family)

    def launch(self, family: str) -> Replica:
        """Run a container of the family's image and wait until it answers ``/healthz``."""
        import docker

        image = self.image(family)
        limits = self.limits.get(family, ContainerLimits())
        name = f"skillgym-{family}-{secrets.token_hex(3)}{next(_numbers)}"
        environment = {"SKILLGYM_FAMILIES": family, "SKILLGYM_DATABASE_URL": "none", **self.env}
        volumes: dict[str, dict[str, str]] = {}
        for i, folder in enumerate(self.tasks_dirs):
            volumes[str(folder)] = {"bind": f"/tasks/{i}", "mode": "ro"}
        if self.tasks_dirs:
            environment["SKILLGYM_TASKS_DIR"] = ":".join(
                f"/tasks/{i}" for i in range(len(self.tasks_dirs))
            )
        socket_dir: Path | None = None
        port: int | None = None
        if self.network == "none":
            self.socket_root.mkdir(parents=True, exist_ok=True)
            socket_dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.socket_root))
            socket_dir.chmod(0o777)  # the container's user (uid 1000) makes the socket there
            volumes[str(socket_dir)] = {"bind": SOCKET_DIR, "mode": "rw"}
            environment["SKILLGYM_UDS"] = f"{SOCKET_DIR}/{SOCKET_NAME}"
        else:
            from skillgym.hub_server.runner import free_port

            port = free_port(self.host)
            environment.update(
                {"SKILLGYM_UDS": "", "SKILLGYM_HOST": self.host, "SKILLGYM_PORT": str(port)}
            )
            if self.host not in ("127.0.0.1", "localhost", "::1"):
                environment.setdefault("SKILLGYM_ALLOW_UNAUTHENTICATED", "1")
        try:
            api = self.client.api
            host_config = api.create_host_config(
                binds=volumes,
                network_mode=self.network,
                nano_cpus=int(limits.cpus * 1e9),
                mem_limit=limits.memory,
                pids_limit=limits.pids,
                shm_size=limits.shm,
                cap_drop=["ALL"],
                security_opt=["no-new-privileges", *FAMILY_SECURITY.get(family, ())],
                init=True,
            )
            if family in UNMASKED_PROC:  # the CLI's systempaths=unconfined; the API has no flag
                host_config.update({"MaskedPaths": [], "ReadonlyPaths": []})
            created = api.create_container(
                image,
                name=name,
                labels={
                    LABEL: "1",
                    FAMILY_LABEL: family,
                    OWNER_LABEL: self.owner,
                    # a forwarded one's port is known only after the start; its owner knows it
                    URL_LABEL: f"http://{self.host}:{port}" if port else "",
                },
                environment=environment,
                host_config=host_config,
            )
            api.start(created["Id"])
            container = self.client.containers.get(created["Id"])
        except docker.errors.ImageNotFound:
            _discard(socket_dir)
            raise ReplicaError(
                f"No image {image} for the {family} family: build it with "
                f"`skillgym images build --family {family}` (or `make images`)."
            ) from None
        except docker.errors.APIError as exc:
            _discard(socket_dir)
            with contextlib.suppress(docker.errors.APIError):  # created, then refused to start
                self.client.api.remove_container(name, force=True)
            raise ReplicaError(f"Docker refused to start {name} ({image}): {exc}") from None
        if socket_dir is not None:
            port = shared_forwarder().forward(self.host, socket_dir / SOCKET_NAME)
        url = f"http://{self.host}:{port}"
        replica = Replica(family, name, url, self.kind, handle=container)
        self._running[name] = _Running(container, socket_dir, port if socket_dir else None)

        def gone() -> str | None:
            try:
                container.reload()
            except docker.errors.NotFound:
                return "its container was removed"
            if container.status in ("created", "running"):
                return None
            logs = container.logs(tail=30).decode(errors="replace")
            return f"its container {name} is {container.status}; its last lines:\n{logs}"

        return self.healthy_or_removed(replica, gone=gone, what=f"{name} ({image})")

    def remove(self, replica: Replica) -> None:
        """Remove the container (killing it if it runs), its forwarder and its socket folder."""
        self._discard_running(replica.name)

    def _discard_running(self, name: str) -> None:
        running = self._running.pop(name, None)
        if running is None:
            return
        if running.forwarded_port is not None:
            shared_forwarder().stop(running.forwarded_port)
        with contextlib.suppress(Exception):
            running.container.remove(force=True)
        _discard(running.socket_dir)

    def is_running(self, replica: Replica) -> bool:
        """Whether its container runs (one call to the engine)."""
        try:
            replica.handle.reload()
        except Exception:
            return False
        return replica.handle.status == "running"

    def close(self) -> None:
        """Remove every container still running, then stop the reaper."""
        for name in list(self._running):
            self._discard_running(name)
        if self._reaper is not None:
            with contextlib.suppress(Exception):
                assert self._reaper.stdin is not None
                self._reaper.stdin.close()  # nothing left to reap: it exits
                self._reaper.wait(timeout=30)
            self._reaper = None


def _start_reaper(owner: str) -> subprocess.Popen[bytes]:
    """A process that removes ``owner``'s containers once ``owner`` dies, however it dies.

    It waits for the end of its standard input: the pipe closes when the owner exits, even
    on SIGKILL. In a session of its own, the Ctrl-C that stops the owner does not stop it.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "skillgym.hub_server.replicas.reaper", owner],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _discard(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
