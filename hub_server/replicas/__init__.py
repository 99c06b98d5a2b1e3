"""Replicas: env servers started by a provider, for the hub and the rollouts alike.

- :class:`ReplicaProvider`: starts one replica of a family (``local`` processes,
  ``docker`` containers, or either owned by a Ray actor on a cluster: ``ray``).
- :class:`ReplicaPool`: ``per_family`` replicas of each family, health-checked, a dead one
  replaced; its :class:`ReplicaSet` places work on the least loaded.

Example::

    from skillgym.hub_server.replicas import ReplicaPool, make_provider

    with ReplicaPool(make_provider("docker"), per_family=2) as pool:
        urls = pool.start(["arithmetic"])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skillgym.hub_server.replicas.placement import ReplicaSet
from skillgym.hub_server.replicas.pool import ReplicaPool
from skillgym.hub_server.replicas.provider import Replica, ReplicaError, ReplicaProvider

PROVIDERS = ("local", "docker", "ray", "ray-docker")
"""The providers by name: ``ray`` owns ``local`` replicas from Ray actors, ``ray-docker`` docker ones."""


def make_provider(name: str, **options: Any) -> ReplicaProvider:
    """The provider called ``name`` (one of :data:`PROVIDERS`), made with ``options``.

    Raises:
        ReplicaError: For an unknown name (or a provider that cannot start here).
    """
    makers: dict[str, Callable[[], ReplicaProvider]] = {
        "local": lambda: _local(**options),
        "docker": lambda: _docker(**options),
        "ray": lambda: _ray("local", options),
        "ray-docker": lambda: _ray("docker", options),
    }
    if name not in makers:
        raise ReplicaError(
            f"Expects a replica provider among {', '.join(PROVIDERS)}, actual value: {name!r}"
        )
    return makers[name]()


def _local(**options: Any) -> ReplicaProvider:
    from skillgym.hub_server.replicas.local import LocalProvider

    return LocalProvider(**options)


def _docker(**options: Any) -> ReplicaProvider:
    from skillgym.hub_server.replicas.docker import DockerProvider

    return DockerProvider(**options)


def _ray(inner: str, options: dict[str, Any]) -> ReplicaProvider:
    from skillgym.clients.rollout.runner import ensure_ray
    from skillgym.hub_server.replicas.ray_actor import RayProvider

    ensure_ray()
    return RayProvider(inner, options=options)  # type: ignore[arg-type]


__all__ = [
    "PROVIDERS",
    "Replica",
    "ReplicaError",
    "ReplicaPool",
    "ReplicaProvider",
    "ReplicaSet",
    "make_provider",
]
