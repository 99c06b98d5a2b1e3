"""A hub that plays a family's sessions on its own pool of replicas (the local provider)."""

import json
import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.hub_server.replica_sessions import ReplicaEnv
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

TASK = "arithmetic/sum-list"
SUBMIT = json.dumps({"tool": "submit", "args": {"answer": "0"}})


@pytest.fixture(scope="module")
def hub() -> Iterator[BackgroundServer]:
    settings = ServerSettings(
        port=0,
        database_url="none",
        replica_provider="local",
        replicas_per_family=2,
        replica_families=["arithmetic"],
        replica_check_interval_s=0.2,
    )
    with BackgroundServer(settings) as server:
        yield server


def _pool(hub: BackgroundServer):
    return hub.app.state.replicas.pool


def test_an_oracle_episode_through_the_hub_runs_on_a_replica(hub: BackgroundServer) -> None:
    oracle = make_policy("oracle", family="arithmetic", task=TASK, seed=4)
    with RemoteEnv(hub.base_url, env="arithmetic") as env:
        result = run_episode(env, oracle, task=TASK, seed=4)
        session = hub.app.state.sessions.get(env.session_id)
        assert isinstance(session.env, ReplicaEnv)
        assert session.env.replica.url in _pool(hub).urls()["arithmetic"]
        public = httpx.get(f"{hub.base_url}/v1/sessions/{env.session_id}").json()
    assert result.reward == 1.0 and result.success
    assert public["state"] == "ended" and public["episode_task"] == f"{TASK}@1.0.0"


def test_sessions_go_to_the_replica_with_the_fewest(hub: BackgroundServer) -> None:
    envs = [RemoteEnv(hub.base_url, env="arithmetic").open() for _ in range(4)]
    try:
        placed = [hub.app.state.sessions.get(e.session_id).env.replica.url for e in envs]
        assert sorted(placed.count(u) for u in set(placed)) == [2, 2]
    finally:
        for env in envs:
            env.close()


def test_the_catalogue_says_how_many_replicas_serve_a_family(hub: BackgroundServer) -> None:
    envs = {e["name"]: e for e in httpx.get(f"{hub.base_url}/v1/envs").json()["envs"]}
    assert envs["arithmetic"]["replicas"] == 2
    assert envs["flight"]["replicas"] == 0  # in the hub's own process


def test_the_page_says_which_image_serves_each_family_and_where_sessions_run(
    hub: BackgroundServer,
) -> None:
    page = httpx.get(hub.base_url + "/").text
    assert "Image skillgym/arithmetic:" in page
    assert "sessions run on 2 local replica(s)" in page
    assert "sessions run in the hub&#39;s process" in page  # flight, here


def test_a_killed_replica_ends_its_session_with_a_clear_error_and_is_replaced(
    hub: BackgroundServer,
) -> None:
    client = httpx.Client(base_url=hub.base_url)
    sid = client.post("/v1/sessions", json={"env": "arithmetic", "task": TASK}).json()["session_id"]
    assert client.post(f"/v1/sessions/{sid}/reset", json={"seed": 1}).status_code == 200
    victim = hub.app.state.sessions.get(sid).env.replica
    os.kill(victim.handle.pid, signal.SIGKILL)
    victim.handle.wait()

    lost = client.post(f"/v1/sessions/{sid}/step", json={"action": SUBMIT})
    assert lost.status_code == 502
    error = lost.json()["error"]
    assert error["code"] == "replica_lost"
    assert "episode is lost" in error["message"] and "new session" in error["message"]
    closed = client.post(f"/v1/sessions/{sid}/step", json={"action": SUBMIT})
    assert closed.status_code == 409 and "stopped answering" in closed.json()["error"]["message"]

    deadline = time.monotonic() + 60
    while victim.url in _pool(hub).urls()["arithmetic"] or len(_pool(hub).all()) < 2:
        assert time.monotonic() < deadline, "the pool did not replace the killed replica"
        time.sleep(0.1)
    oracle = make_policy("oracle", family="arithmetic", task=TASK, seed=2)
    for _ in range(2):  # whichever replica each lands on
        with RemoteEnv(hub.base_url, env="arithmetic") as env:
            assert run_episode(env, oracle, task=TASK, seed=2).reward == 1.0


def test_a_server_for_one_family_lists_only_it_and_refuses_the_others() -> None:
    settings = ServerSettings(port=0, database_url="none", families=["arithmetic"])
    with BackgroundServer(settings) as server:
        names = [e["name"] for e in httpx.get(f"{server.base_url}/v1/envs").json()["envs"]]
        refused = httpx.post(f"{server.base_url}/v1/sessions", json={"env": "flight"})
    assert names == ["arithmetic"]
    assert refused.status_code == 404
    assert "runs only the arithmetic family" in refused.json()["error"]["message"]
