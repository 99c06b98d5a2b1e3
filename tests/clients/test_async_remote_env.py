"""AsyncRemoteEnv: the async twin of RemoteEnv (mirrors test_remote_env)."""

import asyncio
import json
import re

import httpx
import pytest

from skillgym.clients import AsyncRemoteEnv, RetryPolicy, Timeout
from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.errors import (
    ClientClosedError,
    EnvNotFoundError,
    EpisodeStateError,
    RemoteConnectionError,
    RemoteTimeoutError,
    TaskNotFoundError,
)
from tests.clients.fake_servers import FakeFlakyServer, FakeSilentServer, unused_base_url

TRANSPORTS = ["http", "websocket"]
TASKS = [spec.ref for spec in TaskCatalog.load().latest("arithmetic")]
CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "3 * 3"}})
SUBMIT = json.dumps({"tool": "submit", "args": {"answer": "1"}})
FAST_RETRY = RetryPolicy(attempts=3, backoff_s=0.01)


def open_count(base_url):
    return httpx.get(f"{base_url}/v1/sessions").json()["count"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("task", TASKS)
async def test_same_seed_gives_the_same_first_observation_in_process_and_remote(
    base_url, transport, task
):
    local = ArithmeticEnv(task=task).reset(seed=21)
    async with AsyncRemoteEnv(base_url, env="arithmetic", task=task, transport=transport) as env:
        assert await env.reset(seed=21) == local


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_whole_episode_gives_the_verification(base_url, transport):
    async with AsyncRemoteEnv(
        base_url, env="arithmetic", task="arithmetic/sum-list", transport=transport
    ) as env:
        await env.reset(seed=0)
        obs, reward, terminated, truncated, info = await env.step(CALCULATE)
        assert obs["output"] == "3 * 3 = 9" and not terminated
        obs, reward, terminated, truncated, info = await env.step(SUBMIT)
        assert terminated and reward == info["verification"]["score"]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_spaces_and_tools_come_from_the_server(base_url, transport):
    async with AsyncRemoteEnv(base_url, env="arithmetic", transport=transport) as env:
        assert env.observation_space == ArithmeticEnv.make_observation_space()
        assert env.tools == ArithmeticEnv.toolset_schemas()


async def test_server_errors_raise_the_same_exception_classes(base_url):
    with pytest.raises(TaskNotFoundError, match=re.escape("Did you mean arithmetic/sum-list?")):
        await AsyncRemoteEnv(base_url, env="arithmetic", task="arithmetic/sum-lists").open()
    with pytest.raises(EnvNotFoundError, match=re.escape("Did you mean arithmetic?")):
        await AsyncRemoteEnv(base_url, env="arithmetc").open()
    async with AsyncRemoteEnv(base_url, env="arithmetic") as env:
        with pytest.raises(EpisodeStateError, match=re.escape("reset() before step()")):
            await env.step(SUBMIT)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_context_manager_closes_the_session_and_close_is_idempotent(base_url, transport):
    before = open_count(base_url)
    async with AsyncRemoteEnv(base_url, env="arithmetic", transport=transport) as env:
        await env.reset(seed=1)
        assert open_count(base_url) == before + 1
    await env.close()
    assert open_count(base_url) == before


async def test_use_after_close_is_a_clear_error(base_url):
    env = await AsyncRemoteEnv(base_url, env="arithmetic").open()
    await env.close()
    with pytest.raises(
        ClientClosedError,
        match=re.escape(f"This AsyncRemoteEnv (session {env.session_id}) is closed"),
    ):
        await env.reset(seed=0)


async def test_unreachable_server_is_a_connection_error_after_retries():
    with pytest.raises(
        RemoteConnectionError,
        match=r"GET /v1/envs on http://127\.0\.0\.1:\d+ failed: ClientConnectorError",
    ):
        await AsyncRemoteEnv(unused_base_url(), env="arithmetic", retry=FAST_RETRY).open()


async def test_reset_is_retried_but_a_step_is_never_resent():
    with FakeFlakyServer() as fake:
        env = await AsyncRemoteEnv(fake.base_url, env="arithmetic", retry=FAST_RETRY).open()
        with pytest.raises(RemoteConnectionError):
            await env.reset(seed=0)
        with pytest.raises(
            RemoteConnectionError, match=re.escape("(not retried: it may have been applied)")
        ):
            await env.step(SUBMIT)
        await env.close()
    assert fake.calls == {"reset": 3, "step": 1, "close": 1}


async def test_a_server_that_does_not_answer_is_a_timeout_error():
    with FakeSilentServer() as silent:
        env = AsyncRemoteEnv(
            silent.base_url,
            env="arithmetic",
            timeout=Timeout(connect=1, read=0.2),
            retry=FAST_RETRY,
        )
        with pytest.raises(
            RemoteTimeoutError,
            match=re.escape("got no answer within the timeout (connect 1 s, read 0.2 s)"),
        ):
            await env.open()
        await env.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_200_concurrent_sessions_all_succeed_and_none_leak(base_url, transport):
    before = open_count(base_url)

    async def one(seed):
        async with AsyncRemoteEnv(
            base_url, env="arithmetic", task="arithmetic/sum-list", transport=transport
        ) as env:
            obs, info = await env.reset(seed=seed)
            for _ in range(3):
                obs, reward, terminated, truncated, info = await env.step(CALCULATE)
            return info["seed"], info["step"], obs["last_action_error"]

    results = await asyncio.gather(*(one(seed) for seed in range(200)))
    assert sorted(results) == [(seed, 3, "") for seed in range(200)]
    assert open_count(base_url) == before


async def test_envs_can_share_one_http_session_which_they_leave_open(base_url):
    import aiohttp

    async with aiohttp.ClientSession() as shared:
        envs = [AsyncRemoteEnv(base_url, env="arithmetic", http_session=shared) for _ in range(3)]
        for seed, env in enumerate(envs):
            assert (await env.reset(seed=seed))[1]["seed"] == seed
            await env.close()
        assert not shared.closed
        async with AsyncRemoteEnv(base_url, env="arithmetic", http_session=shared) as again:
            await again.reset(seed=9)
