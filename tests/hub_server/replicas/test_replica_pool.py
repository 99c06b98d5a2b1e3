"""The replica pool with the local provider: started, placed on, checked and replaced."""

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from skillgym.hub_server.replicas import ReplicaError, ReplicaPool, ReplicaSet
from skillgym.hub_server.replicas.local import LocalProvider


@pytest.fixture
def pool(tmp_path: Path):
    pool = ReplicaPool(LocalProvider(log_dir=tmp_path), per_family=2)
    yield pool
    pool.stop()


def test_start_gives_each_family_its_healthy_replicas_serving_only_it(pool: ReplicaPool) -> None:
    urls = pool.start(["arithmetic"])
    assert len(urls["arithmetic"]) == 2
    for url in urls["arithmetic"]:
        assert httpx.get(url + "/healthz").status_code == 200
        envs = httpx.get(url + "/v1/envs").json()["envs"]
        assert [e["name"] for e in envs] == ["arithmetic"]
    assert all(r.ready_s > 0 for r in pool.all())


def test_a_dead_replica_is_replaced_and_placement_forgets_it(pool: ReplicaPool) -> None:
    urls = pool.start(["arithmetic"])
    victim = pool.find(urls["arithmetic"][0])
    os.kill(victim.handle.pid, signal.SIGKILL)
    victim.handle.wait()
    assert pool.check() == [victim]
    after = pool.urls()["arithmetic"]
    assert len(after) == 2 and victim.url not in after
    assert sorted(pool.placement.urls_by_family["arithmetic"]) == sorted(after)
    assert pool.replaced == 1
    assert pool.check() == []  # the replacement is healthy


def test_stop_leaves_no_process(tmp_path: Path) -> None:
    pool = ReplicaPool(LocalProvider(log_dir=tmp_path), per_family=2)
    pool.start(["arithmetic"])
    processes = [r.handle for r in pool.all()]
    pool.stop()
    assert all(p.poll() is not None for p in processes)
    assert pool.urls() == {}


def test_a_replica_that_cannot_start_says_why_with_its_log(tmp_path: Path) -> None:
    pool = ReplicaPool(
        LocalProvider(log_dir=tmp_path, extra_args=["--max-sessions", "0"]), per_family=1
    )
    started = time.monotonic()
    with pytest.raises(
        ReplicaError, match=r"(?s)exited with code 2.*--max-sessions to be greater than 0"
    ) as caught:
        pool.start(["arithmetic"])
    assert str(tmp_path) in str(caught.value)
    assert time.monotonic() - started < 60  # it did not wait out the health timeout
    assert pool.urls() == {}


def test_placement_takes_the_least_loaded_and_follows_a_replacement() -> None:
    placement = ReplicaSet({"arithmetic": ["http://a:1", "http://b:2"]})
    first = placement.acquire("arithmetic")
    second = placement.acquire("arithmetic")
    assert {first, second} == {"http://a:1", "http://b:2"}
    placement.replace(first, "http://c:3")
    placement.release(first)  # a session of the replaced replica ends: nothing to count
    assert placement.acquire("arithmetic") == "http://c:3"
    placement.replace(second, None)
    assert placement.urls_by_family["arithmetic"] == ["http://c:3"]
