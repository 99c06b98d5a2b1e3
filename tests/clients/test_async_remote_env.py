"""AsyncRemoteEnv: the async twin of RemoteEnv (mirrors test_remote_env)."""

import asyncio
import re

import aiohttp
import pytest

from skillgym.clients import AsyncRemoteEnv, RetryPolicy, Timeout
from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core.verification import Verification
from skillgym.errors import (
    ClientClosedError,
    EnvNotFoundError,
    EpisodeStateError,
    RemoteConnectionError,
    RemoteError,
    RemoteTimeoutError,
    ServerFullError,
    TaskNotFoundError,
)
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings
from tests.clients.fake_servers import (
    FakeFlakyServer,
    FakeGatewayErrorServer,
    FakeSilentServer,
    unused_base_url,
)
from tests.clients.sessions import (
    CALCULATE,
    FAST_RETRY,
    SUBMIT,
    TASKS,
    TRANSPORTS,
    open_count,
    watching_retries,
)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("task", TASKS)
async def test_same_seed_gives_the_same_first_observation_in_process_and_remote(
    base_url, transport, task
):
    local = ArithmeticEnv(task=task).reset(seed=21)
    async with AsyncRemoteEnv(base_url, env="arithmetic", task=task, transport=transport) as env:
        assert await env.reset(seed=21) == local


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_whole_episode_ends_with_the_verification_model(base_url, transport):
    async with AsyncRemoteEnv(
        base_url, env="arithmetic", task="arithmetic/sum-list", transport=transport
    ) as env:
        await env.reset(seed=0)
        obs, reward, terminated, truncated, info = await env.step(CALCULATE)
        assert obs["output"] == "3 * 3 = 9" and not terminated and "verification" not in info
        obs, reward, terminated, truncated, info = await env.step(SUBMIT)
        assert terminated and isinstance(info["verification"], Verification)
        assert reward == info["verification"].score


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_spaces_and_tools_come_from_the_server(base_url, transport):
    async with AsyncRemoteEnv(base_url, env="arithmetic", transport=transport) as env:
        assert env.observation_space == ArithmeticEnv.make_observation_space()
        assert env.action_space == ArithmeticEnv.make_action_space()
        assert env.tools == ArithmeticEnv.toolset_schemas()
        assert env.family is not None and env.family.name == "arithmetic"


async def test_server_errors_raise_the_same_exception_classes(base_url):
    with pytest.raises(EnvNotFoundError, match=re.escape("Did you mean arithmetic?")):
        async with AsyncRemoteEnv(base_url, env="arithmetc"):
            pass
    async with AsyncRemoteEnv(base_url, env="arithmetic", task="arithmetic/sum-lists") as env:
        with pytest.raises(TaskNotFoundError, match=re.escape("Did you mean arithmetic/sum-list?")):
            await env.reset(seed=0)


async def test_step_before_the_first_reset_is_refused_without_opening_a_session(base_url):
    before = open_count(base_url)
    async with AsyncRemoteEnv(base_url, env="arithmetic") as env:
        with pytest.raises(
            EpisodeStateError,
            match=re.escape(
                "Expects reset() before step(); this AsyncRemoteEnv has no session yet."
            ),
        ):
            await env.step(SUBMIT)
        assert open_count(base_url) == before and env.session_id is None


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
        match=re.escape(
            f"This AsyncRemoteEnv (session {env.session_id}) is closed; make a new one."
        ),
    ):
        await env.reset(seed=0)


async def test_unreachable_server_is_a_connection_error_after_retries():
    with pytest.raises(
        RemoteConnectionError,
        match=r"GET /v1/envs/arithmetic on http://127\.0\.0\.1:\d+ failed: ClientConnectorError",
    ):
        async with AsyncRemoteEnv(unused_base_url(), env="arithmetic", retry=FAST_RETRY):
            pass


async def test_reset_is_retried_but_a_step_is_never_resent():
    with FakeFlakyServer() as fake:
        async with AsyncRemoteEnv(fake.base_url, env="arithmetic", retry=FAST_RETRY) as env:
            with pytest.raises(RemoteConnectionError):
                await env.reset(seed=0)
            with pytest.raises(
                RemoteConnectionError, match=re.escape("(not retried: it may have been applied)")
            ):
                await env.step(SUBMIT)
    assert fake.calls == {"reset": 3, "step": 1, "close": 1}


async def test_a_server_that_does_not_answer_is_a_timeout_error():
    with FakeSilentServer() as silent:
        with pytest.raises(
            RemoteTimeoutError,
            match=re.escape("got no answer within the timeout (connect 1 s, read 0.2 s)"),
        ):
            async with AsyncRemoteEnv(
                silent.base_url,
                env="arithmetic",
                timeout=Timeout(connect=1, read=0.2),
                retry=FAST_RETRY,
            ):
                pass


async def test_a_timeout_in_seconds_is_the_wait_for_each_answer():
    with FakeSilentServer() as silent:
        with pytest.raises(RemoteTimeoutError, match=re.escape("(connect 5 s, read 0.2 s)")):
            async with AsyncRemoteEnv(
                silent.base_url, env="arithmetic", timeout=0.2, retry=FAST_RETRY
            ):
                pass


async def test_an_answer_outside_the_protocol_is_a_remote_error_showing_it():
    with FakeGatewayErrorServer() as gateway:
        with pytest.raises(RemoteError, match=re.escape("actual value (HTTP 502): b'<html>")):
            async with AsyncRemoteEnv(gateway.base_url, env="arithmetic"):
                pass


async def test_a_full_server_is_tried_again_after_its_retry_after(full_server):
    holder = await AsyncRemoteEnv(full_server.base_url, env="arithmetic").open()
    waiter = AsyncRemoteEnv(
        full_server.base_url, env="arithmetic", retry=RetryPolicy(attempts=2, jitter=0)
    )
    with watching_retries() as watch:
        opening = asyncio.create_task(waiter.open())
        while not watch.retried.is_set() and not opening.done():
            await asyncio.sleep(0.01)
        await holder.close()
        await opening
    await waiter.close()
    assert watch.retries == ["POST /v1/sessions failed (answered), trying again in 1.00 s"]
    assert waiter.session_id is not None


async def test_a_retry_after_longer_than_the_policy_allows_raises_at_once(impatient_server):
    holder = await AsyncRemoteEnv(impatient_server.base_url, env="arithmetic").open()
    try:
        async with AsyncRemoteEnv(impatient_server.base_url, env="arithmetic") as env:
            with pytest.raises(ServerFullError) as full:
                await env.open()
        assert full.value.retry_after_s == 60
    finally:
        await holder.close()


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


async def test_envs_can_share_one_http_client_which_they_leave_open(base_url):
    async with aiohttp.ClientSession() as shared:
        envs = [AsyncRemoteEnv(base_url, env="arithmetic", http_session=shared) for _ in range(3)]
        for seed, env in enumerate(envs):
            assert (await env.reset(seed=seed))[1]["seed"] == seed
            await env.close()
        assert not shared.closed
        async with AsyncRemoteEnv(base_url, env="arithmetic", http_session=shared) as again:
            await again.reset(seed=9)


def test_base_url_and_transport_are_checked():
    with pytest.raises(
        ValueError, match=re.escape("Expects a base_url like http://127.0.0.1:8000")
    ):
        AsyncRemoteEnv("localhost:8000", env="arithmetic")
    with pytest.raises(ValueError, match='Expects transport "http" or "websocket"'):
        AsyncRemoteEnv("http://127.0.0.1:1", env="arithmetic", transport="grpc")


async def test_a_websocket_session_survives_a_policy_that_thinks_past_many_pings():
    # The client reads nothing while its policy thinks, so it answers no ping then.
    settings = ServerSettings(port=0, ws_ping_interval_s=0.1, database_url="none")
    with BackgroundServer(settings) as server:
        async with AsyncRemoteEnv(server.base_url, env="arithmetic", transport="websocket") as env:
            await env.reset(seed=0, options={"task": "arithmetic/sum-list"})
            await asyncio.sleep(1.5)  # fifteen pings unanswered
            observation, *_ = await env.step('{"tool": "submit", "args": {"answer": "0"}}')
    assert "last_action_error" in observation
