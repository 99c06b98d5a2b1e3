"""Replicas in Docker: every family's image served, played, killed, replaced and cleaned up.

Real containers of the images `make images` builds (built here if missing: cached, seconds).
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import docker
import httpx
import pytest

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.hub_server.replicas import ReplicaError, ReplicaPool
from skillgym.hub_server.replicas.docker import (
    DETACHED_OWNER,
    FAMILY_LABEL,
    LABEL,
    OWNER_LABEL,
    DockerProvider,
    owner_id,
)
from skillgym.hub_server.replicas.images import build_images, image_families, image_tag
from skillgym.hub_server.runner import BackgroundServer, free_port
from skillgym.hub_server.settings import ServerSettings
from tests.conftest import ROOT

FAMILIES = ["arithmetic", "flight", "spreadsheet", "terminal"]
TASKS = {
    "arithmetic": "arithmetic/sum-list",
    "flight": "flight/cheapest-nonstop",
    "spreadsheet": "spreadsheet/loan-amortization",
    "terminal": "terminal/latency-report",
}


@pytest.fixture(scope="module")
def client(docker_engine: None) -> Iterator[docker.DockerClient]:
    engine = docker.from_env(timeout=300)
    subprocess.run(
        ["sh", str(ROOT / "containers/base/build-base.sh")], check=True, capture_output=True
    )
    build_images(FAMILIES, progress=False)  # cached: only a changed source rebuilds a layer
    yield engine
    engine.close()


def _containers(client: docker.DockerClient, **labels: str) -> list:
    wanted = [f"{LABEL}=1", *(f"{k}={v}" for k, v in labels.items())]
    return client.containers.list(all=True, filters={"label": wanted})


def _play_oracle(url: str, family: str, seed: int) -> float:
    task = TASKS[family]
    with RemoteEnv(url, env=family) as env:
        return run_episode(
            env, make_policy("oracle", family=family, task=task, seed=seed), task=task, seed=seed
        ).reward


def test_every_family_has_an_image() -> None:
    assert image_families() == FAMILIES


def test_two_replicas_of_every_family_each_play_an_oracle_episode(
    client: docker.DockerClient,
) -> None:
    with ReplicaPool(DockerProvider(), per_family=2) as pool:
        urls = pool.start(FAMILIES)
        for family in FAMILIES:
            assert len(urls[family]) == 2
            for seed, url in enumerate(urls[family]):
                assert _play_oracle(url, family, seed) == 1.0, (family, url)
        container = pool.all()[0].handle
        config, host = container.attrs["Config"], container.attrs["HostConfig"]
        assert config["User"] == "skillgym" and config["Image"] == image_tag(pool.all()[0].family)
        assert host["NetworkMode"] == "none" and host["CapDrop"] == ["ALL"]
        assert host["NanoCpus"] > 0 and host["Memory"] > 0 and host["PidsLimit"] > 0
        assert config["Labels"][OWNER_LABEL] == owner_id()
        mine = _containers(client, **{OWNER_LABEL: owner_id()})
        assert len(mine) == 2 * len(FAMILIES)
    assert _containers(client, **{OWNER_LABEL: owner_id()}) == []


def test_skillgym_rollout_runs_on_docker_replicas(client: docker.DockerClient, tmp_path) -> None:
    out = tmp_path / "trajectories.jsonl"
    command = [sys.executable, "-c", "from skillgym.cli import main; main()", "rollout"]
    for task in TASKS.values():
        command += ["--task", task]
    command += ["--provider", "docker", "--replicas", "2", "--episodes", "4", "--workers", "1"]
    command += ["--quiet", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rollouts = [r for line in out.read_text().splitlines() for r in json.loads(line)["rollouts"]]
    assert len(rollouts) == 4 and all(r["reward"] == 1.0 for r in rollouts)
    assert all(r["replica"].startswith("http://127.0.0.1:") for r in rollouts)
    assert "2 docker per family" in done.stderr


def test_a_container_killed_mid_episode_ends_its_session_and_is_replaced(
    client: docker.DockerClient,
) -> None:
    settings = ServerSettings(
        port=0,
        database_url="none",
        replica_provider="docker",
        replicas_per_family=1,
        replica_families=["terminal"],
        replica_check_interval_s=0.5,
    )
    with BackgroundServer(settings) as hub:
        pool = hub.app.state.replicas.pool
        http = httpx.Client(base_url=hub.base_url, timeout=60)
        sid = http.post("/v1/sessions", json={"env": "terminal"}).json()["session_id"]
        assert http.post(f"/v1/sessions/{sid}/reset", json={"seed": 1}).status_code == 200
        victim = hub.app.state.sessions.get(sid).env.replica
        victim.handle.kill()

        action = json.dumps({"tool": "run", "args": {"command": "ls"}})
        lost = http.post(f"/v1/sessions/{sid}/step", json={"action": action})
        assert lost.status_code == 502 and lost.json()["error"]["code"] == "replica_lost"
        assert "episode is lost" in lost.json()["error"]["message"]

        deadline = time.monotonic() + 120
        while not pool.all() or pool.all()[0] is victim:
            assert time.monotonic() < deadline, "the killed replica was not replaced"
            time.sleep(0.2)
        assert _play_oracle(hub.base_url, "terminal", seed=3) == 1.0
        envs = {e["name"]: e for e in http.get("/v1/envs").json()["envs"]}
        assert envs["terminal"]["replicas"] == 1
        assert envs["terminal"]["image"] == image_tag("terminal")
    assert _containers(client, **{OWNER_LABEL: owner_id()}) == []


def test_replicas_down_removes_what_replicas_up_started(client: docker.DockerClient) -> None:
    skillgym = [sys.executable, "-c", "from skillgym.cli import main; main()", "replicas"]
    up = subprocess.run(
        [*skillgym, "up", "--family", "arithmetic", "-n", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert up.returncode == 0, up.stderr
    urls = up.stdout.split()
    assert len(urls) == 2
    for url in urls:  # they outlive the command that started them
        assert httpx.get(url + "/healthz").status_code == 200
    assert (
        len(_containers(client, **{OWNER_LABEL: DETACHED_OWNER, FAMILY_LABEL: "arithmetic"})) == 2
    )

    down = subprocess.run(
        [*skillgym, "down"], capture_output=True, text=True, timeout=120, check=False
    )
    assert down.returncode == 0 and "removed 2" in down.stderr
    assert _containers(client, **{OWNER_LABEL: DETACHED_OWNER}) == []


def test_a_killed_server_leaves_no_container(client: docker.DockerClient, tmp_path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from skillgym.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--database-url",
            "none",
            "--families",
            "arithmetic",
            "--replica-provider",
            "docker",
            "--replicas-per-family",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "wb"),
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        owner = owner_id(server.pid)
        assert len(_containers(client, **{OWNER_LABEL: owner})) == 2
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    deadline = time.monotonic() + 60
    while _containers(client, **{OWNER_LABEL: owner}):
        assert time.monotonic() < deadline, "the killed server's containers are still there"
        time.sleep(0.2)


def test_a_new_provider_removes_the_containers_of_a_dead_owner(
    client: docker.DockerClient,
) -> None:
    dead = f"{owner_id().split('/')[0]}/999999999/0"
    client.containers.create(
        image_tag("arithmetic"), labels={LABEL: "1", FAMILY_LABEL: "arithmetic", OWNER_LABEL: dead}
    )
    assert len(_containers(client, **{OWNER_LABEL: dead})) == 1
    DockerProvider().close()
    assert _containers(client, **{OWNER_LABEL: dead}) == []


def test_a_family_without_its_image_says_how_to_build_it(client: docker.DockerClient) -> None:
    provider = DockerProvider(images={"arithmetic": "skillgym/arithmetic:no-such-version"})
    try:
        with pytest.raises(ReplicaError, match=r"skillgym images build --family arithmetic"):
            provider.launch("arithmetic")
    finally:
        provider.close()
