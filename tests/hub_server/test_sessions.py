"""Session limits, the idle reaper, and how environment code is scheduled."""

import asyncio
import json
import threading
import time
from typing import Any, ClassVar

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core import registry
from skillgym.envs.core.protocol import SessionCreate
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.sessions import SessionManager
from skillgym.hub_server.settings import ServerSettings

CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "1 + 1"}})


def test_a_full_server_answers_503_with_retry_after(assert_error_body):
    with (
        BackgroundServer(ServerSettings(port=0, max_sessions=2, retry_after_s=7)) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        ids = [
            http.post("/v1/sessions", json={"env": "arithmetic"}).json()["session_id"]
            for _ in range(2)
        ]
        full = http.post("/v1/sessions", json={"env": "arithmetic"})
        assert full.status_code == 503
        assert full.headers["retry-after"] == "7"
        assert_error_body(full.text, "server_full")
        assert "maximum of 2 sessions" in full.json()["error"]["message"]
        http.delete(f"/v1/sessions/{ids[0]}")
        assert http.post("/v1/sessions", json={"env": "arithmetic"}).status_code == 201


def test_idle_sessions_are_reaped_and_answer_409_afterwards():
    settings = ServerSettings(port=0, idle_timeout_s=0.3, reap_interval_s=0.05)
    with BackgroundServer(settings) as server, httpx.Client(base_url=server.base_url) as http:
        session = http.post("/v1/sessions", json={"env": "arithmetic"}).json()["session_id"]
        deadline = time.monotonic() + 10
        while http.get("/v1/sessions").json()["count"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert http.get("/v1/sessions").json()["count"] == 0
        error = http.post(f"/v1/sessions/{session}/reset", json={}).json()["error"]
        assert error["code"] == "session_closed" and "reaped after 0.3 s idle" in error["message"]


def test_a_silent_websocket_is_closed_and_its_session_reaped():
    settings = ServerSettings(port=0, idle_timeout_s=0.3, reap_interval_s=0.05)
    with BackgroundServer(settings) as server:
        session = httpx.post(f"{server.base_url}/v1/sessions", json={"env": "arithmetic"}).json()[
            "session_id"
        ]
        with connect(server.base_url.replace("http", "ws") + f"/v1/sessions/{session}/ws") as ws:
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
        assert httpx.get(f"{server.base_url}/v1/sessions").json()["count"] == 0


class FakeSlowEnv(ArithmeticEnv):
    """A fake family whose steps block for a while, as a browser or a sandbox can."""

    blocking: ClassVar[bool] = True
    active: ClassVar[int] = 0
    most_at_once: ClassVar[int] = 0
    lock = threading.Lock()

    def step(self, action: str) -> Any:
        with FakeSlowEnv.lock:
            FakeSlowEnv.active += 1
            FakeSlowEnv.most_at_once = max(FakeSlowEnv.most_at_once, FakeSlowEnv.active)
        time.sleep(0.2)
        with FakeSlowEnv.lock:
            FakeSlowEnv.active -= 1
        return super().step(action)


@pytest.fixture
def slow_family(monkeypatch):
    spec = registry.FamilySpec(
        "arithmetic", "skillgym/Arithmetic-v0", f"{__name__}:FakeSlowEnv", "fake slow family"
    )
    monkeypatch.setitem(registry.FAMILIES, "arithmetic", spec)
    FakeSlowEnv.most_at_once = 0
    return spec


def test_blocking_steps_do_not_block_other_sessions_or_the_server(slow_family, base_url):
    async def main():
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            ids = [
                (await http.post("/v1/sessions", json={"env": "arithmetic"})).json()["session_id"]
                for _ in range(4)
            ]
            for i in ids:
                await http.post(f"/v1/sessions/{i}/reset", json={})
            steps = [http.post(f"/v1/sessions/{i}/step", json={"action": CALCULATE}) for i in ids]
            started = asyncio.gather(*steps)
            await asyncio.sleep(0.05)
            health = await http.get("/healthz")  # answered while four steps sleep in threads
            results = await started
            for i in ids:
                await http.delete(f"/v1/sessions/{i}")
            return health, results

    health, results = asyncio.run(main())
    assert health.status_code == 200
    assert all(r.status_code == 200 for r in results)
    assert FakeSlowEnv.most_at_once > 1


def test_steps_of_one_session_never_interleave(slow_family, base_url):
    async def main():
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            session = (await http.post("/v1/sessions", json={"env": "arithmetic"})).json()[
                "session_id"
            ]
            await http.post(f"/v1/sessions/{session}/reset", json={})
            results = await asyncio.gather(
                *(
                    http.post(f"/v1/sessions/{session}/step", json={"action": CALCULATE})
                    for _ in range(3)
                )
            )
            await http.delete(f"/v1/sessions/{session}")
            return results

    results = asyncio.run(main())
    assert sorted(r.json()["info"]["step"] for r in results) == [1, 2, 3]
    assert FakeSlowEnv.most_at_once == 1


def test_shutdown_closes_every_session():
    server = BackgroundServer(ServerSettings(port=0)).start()
    manager = server.app.state.sessions
    for _ in range(3):
        httpx.post(f"{server.base_url}/v1/sessions", json={"env": "arithmetic"})
    envs = [s.env for s in manager.sessions()]
    server.stop()
    assert manager.count == 0
    assert all(env._closed for env in envs)


class FakeSlowInlineEnv(ArithmeticEnv):
    """A fake family that wrongly declares itself non-blocking."""

    blocking: ClassVar[bool] = False

    def step(self, action: str) -> Any:
        time.sleep(0.05)
        return super().step(action)


async def test_a_slow_non_blocking_env_is_reported_once(monkeypatch, caplog):
    spec = registry.FamilySpec(
        "arithmetic", "skillgym/Arithmetic-v0", f"{__name__}:FakeSlowInlineEnv", "fake"
    )
    monkeypatch.setitem(registry.FAMILIES, "arithmetic", spec)
    manager = SessionManager(ServerSettings(inline_budget_s=0.01), TaskCatalog.load())
    session = await manager.create(SessionCreate(env="arithmetic"))
    await manager.reset(session, 0, {})
    with caplog.at_level("WARNING", logger="skillgym.hub_server.sessions"):
        for _ in range(3):
            await manager.step(session, CALCULATE)
    await manager.close_all()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "FakeSlowInlineEnv declares blocking=False but a call took" in warnings[0]


class FakeEnvWhoseCloseFails(ArithmeticEnv):
    """A fake family whose close() raises, as a crashed browser's might."""

    def close(self) -> None:
        raise RuntimeError("browser already dead")


async def test_a_failing_env_close_still_closes_the_session(monkeypatch, caplog):
    spec = registry.FamilySpec(
        "arithmetic", "skillgym/Arithmetic-v0", f"{__name__}:FakeEnvWhoseCloseFails", "fake"
    )
    monkeypatch.setitem(registry.FAMILIES, "arithmetic", spec)
    manager = SessionManager(ServerSettings(), TaskCatalog.load())
    session = await manager.create(SessionCreate(env="arithmetic"))
    with caplog.at_level("ERROR", logger="skillgym.hub_server.sessions"):
        await manager.close(session.id)
    assert manager.count == 0
    assert "closing the environment of session" in caplog.records[0].getMessage()
    await manager.close(session.id)  # still idempotent


class FakeEnvWithABug(ArithmeticEnv):
    """A fake family whose step has a bug (raises something that is not a SkillGym error)."""

    def step(self, action: str) -> Any:
        raise KeyError("a bug in the family")


def test_a_family_bug_is_a_json_500_and_the_server_keeps_serving(monkeypatch, assert_error_body):
    spec = registry.FamilySpec(
        "arithmetic", "skillgym/Arithmetic-v0", f"{__name__}:FakeEnvWithABug", "fake"
    )
    monkeypatch.setitem(registry.FAMILIES, "arithmetic", spec)
    with (
        BackgroundServer(ServerSettings(port=0), log_level="critical") as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        session = http.post("/v1/sessions", json={"env": "arithmetic"}).json()["session_id"]
        http.post(f"/v1/sessions/{session}/reset", json={})
        for _ in range(5):  # each time on the same keep-alive connection
            crashed = http.post(f"/v1/sessions/{session}/step", json={"action": CALCULATE})
            assert crashed.status_code == 500
            assert_error_body(crashed.text, "internal_error")
            assert "KeyError" in crashed.json()["error"]["message"]
            assert http.get("/healthz").status_code == 200
        ws_url = server.base_url.replace("http://", "ws://") + f"/v1/sessions/{session}/ws"
        with connect(ws_url) as ws:
            ws.send(json.dumps({"op": "step", "action": CALCULATE}))
            assert_error_body(ws.recv(timeout=10), "internal_error")
            ws.send(json.dumps({"op": "reset"}))  # the socket still serves
            assert "observation" in json.loads(ws.recv(timeout=10))
        assert http.delete(f"/v1/sessions/{session}").status_code == 204
