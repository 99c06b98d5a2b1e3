"""Replicas owned by Ray actors, on local Ray: placed by Ray, played by a rollout."""

import time
from collections.abc import Iterator

import pytest

from skillgym.clients.rollout import RolloutConfig, ScriptedPolicy, Status, TaskRef, rollout
from skillgym.hub_server.replicas import ReplicaPool
from skillgym.hub_server.replicas.ray_actor import RayProvider

pytestmark = pytest.mark.usefixtures("ray_local")

SUM = TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")


@pytest.fixture
def ray_pool() -> Iterator[ReplicaPool]:
    pool = ReplicaPool(RayProvider("local", cpus_per_replica=0.5), per_family=2)
    pool.start(["arithmetic"])
    yield pool
    pool.stop()


def test_a_rollout_plays_on_replicas_that_ray_actors_own(ray_pool: ReplicaPool) -> None:
    import ray

    owners = {r.handle._actor_id.hex() for r in ray_pool.all()}
    assert len(owners) == 2
    assert all(ray.get(r.handle.is_running.remote()) for r in ray_pool.all())
    groups, summary = rollout(
        ScriptedPolicy("oracle"), [SUM], ray_pool.placement, RolloutConfig(episodes=6, workers=1)
    )
    rollouts = [r for g in groups for r in g.rollouts]
    assert [r.status for r in rollouts] == [Status.COMPLETED] * 6
    assert summary.mean_reward == 1.0
    assert {r.replica for r in rollouts} == set(ray_pool.urls()["arithmetic"])


def test_a_killed_owner_actor_is_replaced_by_a_new_one(ray_pool: ReplicaPool) -> None:
    import ray

    victim = ray_pool.all()[0]
    ray.kill(victim.handle)  # asynchronous: the actor dies a moment later
    deadline = time.monotonic() + 60
    while (replaced := ray_pool.check()) != [victim]:
        assert not replaced and time.monotonic() < deadline
        time.sleep(0.2)
    assert victim.url not in ray_pool.urls()["arithmetic"]
    groups, _ = rollout(
        ScriptedPolicy("oracle"), [SUM], ray_pool.placement, RolloutConfig(episodes=2, workers=1)
    )
    assert all(r.reward == 1.0 for g in groups for r in g.rollouts)
