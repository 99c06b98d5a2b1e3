import pytest

from skillgym.clients.rollout.replicas import ReplicaError, ReplicaSet, StaticReplicas

URLS = ["http://a:1", "http://b:2", "http://c:3"]


def test_each_episode_goes_to_the_replica_with_fewest_outstanding() -> None:
    replicas = ReplicaSet({"arithmetic": URLS})
    placed = [replicas.acquire("arithmetic") for _ in range(6)]
    assert sorted(placed) == sorted(URLS * 2)
    replicas.release("http://b:2")
    assert replicas.acquire("arithmetic") == "http://b:2"


def test_a_retry_avoids_the_replicas_that_failed_it() -> None:
    replicas = ReplicaSet({"arithmetic": URLS})
    assert replicas.acquire("arithmetic", exclude=["http://a:1", "http://b:2"]) == "http://c:3"
    # when every replica failed it, any may try again
    assert replicas.acquire("arithmetic", exclude=URLS) in URLS


def test_a_family_without_replicas_is_an_error_naming_what_is_served() -> None:
    with pytest.raises(ReplicaError, match=r"No replica serves the family 'flight'.*arithmetic"):
        ReplicaSet({"arithmetic": URLS}).acquire("flight")


def test_static_replicas_learn_families_from_the_server(base_url: str) -> None:
    found = StaticReplicas([base_url]).start(["arithmetic", "terminal"])
    assert found == {"arithmetic": [base_url], "terminal": [base_url]}


def test_static_replicas_refuse_a_family_nobody_serves(base_url: str) -> None:
    with pytest.raises(ReplicaError, match="No replica serves chess"):
        StaticReplicas([base_url]).start(["chess"])


def test_an_unreachable_replica_is_named() -> None:
    with pytest.raises(ReplicaError, match=r"http://127\.0\.0\.1:9 did not list"):
        StaticReplicas(["http://127.0.0.1:9"]).start(["arithmetic"])


def test_a_replica_marked_down_is_passed_over_while_others_are_up() -> None:
    replicas = ReplicaSet({"arithmetic": URLS[:2]})
    replicas.mark_down("http://a:1")
    assert [replicas.acquire("arithmetic") for _ in range(3)] == ["http://b:2"] * 3
    replicas.mark_down("http://b:2")  # all down: placement goes on, by load
    assert replicas.acquire("arithmetic") == "http://a:1"
