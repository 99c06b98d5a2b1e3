"""``ray``: each replica owned by a Ray actor, on whichever node Ray places it.

The actor (:class:`ReplicaOwner`) makes a ``local`` or ``docker`` provider on its node,
launches one replica there and serves its URL, which carries the node's address. Killing
the actor (or losing its node) takes its replica with it: a process replica is sent
SIGTERM when the actor's process dies, a container is removed by the docker provider's
reaper. The same code runs on a laptop's local Ray and on a cluster (``RAY_ADDRESS``);
there is no cluster manager of SkillGym's own.

A replica on a cluster listens on its node's address without a token: the cluster's
network is the boundary, as it is for Ray's own ports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from skillgym.hub_server.replicas.provider import Replica, ReplicaError, ReplicaProvider


class ReplicaOwner:
    """The actor class: one replica, started on the actor's node (see the module)."""

    def __init__(self, inner: str, options: Mapping[str, Any]) -> None:
        import ray

        host = ray.util.get_node_ip_address()
        if inner == "docker":
            from skillgym.hub_server.replicas.docker import DockerProvider

            self.provider: ReplicaProvider = DockerProvider(host=host, **options)
        else:
            from skillgym.hub_server.replicas.local import LocalProvider

            extra = ["--allow-unauthenticated", *options.get("extra_args", ())]
            self.provider = LocalProvider(host=host, **{**options, "extra_args": extra})
        self.replica: Replica | None = None

    def launch(self, family: str) -> tuple[str, str, float]:
        """Start the replica; its name, URL and seconds to healthy."""
        self.replica = self.provider.launch(family)
        return self.replica.name, self.replica.url, self.replica.ready_s

    def is_running(self) -> bool:
        """Whether the replica's process or container runs."""
        return self.replica is not None and self.provider.is_running(self.replica)

    def shutdown(self) -> None:
        """Remove the replica and release the provider."""
        if self.replica is not None:
            self.provider.remove(self.replica)
            self.replica = None
        self.provider.close()


class RayProvider(ReplicaProvider):
    """Replicas owned by Ray actors; see the module's docstring.

    Args:
        inner: How each actor runs its replica: ``local`` (a process) or ``docker``.
        cpus_per_replica: CPUs Ray reserves on a node for each replica (placement only).
        options: Keyword arguments of the inner provider (e.g. ``tasks_dirs``).
        scheduling_strategy: Ray's; ``SPREAD`` puts replicas on as many nodes as it can.

    Example::

        ensure_ray()
        pool = ReplicaPool(RayProvider("docker"), per_family=8)
        urls = pool.start(["flight"])  # URLs on the cluster's nodes
    """

    kind: ClassVar[str] = "ray"

    def __init__(
        self,
        inner: Literal["local", "docker"] = "local",
        *,
        cpus_per_replica: float = 1.0,
        options: Mapping[str, Any] | None = None,
        scheduling_strategy: str = "SPREAD",
    ) -> None:
        import ray

        self.inner = inner
        self.options = dict(options or {})
        self.actor_class = ray.remote(ReplicaOwner).options(  # type: ignore[attr-defined]
            num_cpus=cpus_per_replica,
            scheduling_strategy=scheduling_strategy,
            max_restarts=0,  # a lost replica is the pool's to replace, with a new actor
        )

    def launch(self, family: str) -> Replica:
        """Make an actor and have it start a replica on its node."""
        import ray

        actor: Any = self.actor_class.remote(self.inner, self.options)
        try:
            name, url, ready_s = ray.get(actor.launch.remote(family))
        except ray.exceptions.RayError as exc:
            ray.kill(actor)
            cause = exc.cause if isinstance(exc, ray.exceptions.RayTaskError) else exc
            raise ReplicaError(f"A Ray actor could not start a {family} replica: {cause}") from None
        return Replica(family, name, url, self.kind, handle=actor, ready_s=ready_s)

    def remove(self, replica: Replica) -> None:
        """Have the actor remove its replica, then end the actor."""
        import ray

        try:
            ray.get(replica.handle.shutdown.remote(), timeout=60)
        except Exception:  # a dead actor took its replica with it
            pass
        ray.kill(replica.handle)

    def is_running(self, replica: Replica) -> bool:
        """Whether the actor lives and its replica runs."""
        import ray

        try:
            return bool(ray.get(replica.handle.is_running.remote(), timeout=10))
        except Exception:
            return False
