"""RemoteEnv: a real gymnasium.Env over HTTP or a WebSocket (mirrored by test_async_remote_env)."""

import re
import threading

import gymnasium as gym
import httpx
import pytest
from gymnasium.utils.env_checker import check_env

from skillgym.clients import RemoteEnv, RetryPolicy, Timeout
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


@pytest.mark.filterwarnings("error")  # Gymnasium reports soft failures as warnings
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_check_env_passes_on_remote_env(base_url, transport):
    env = gym.make(
        "skillgym/Arithmetic-v0", task="arithmetic/sum-list", base_url=base_url, transport=transport
    )
    assert isinstance(env.unwrapped, RemoteEnv)
    check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("task", TASKS)
def test_same_seed_gives_the_same_first_observation_in_process_and_remote(
    base_url, transport, task
):
    local = ArithmeticEnv(task=task).reset(seed=21)
    with RemoteEnv(base_url, env="arithmetic", task=task, transport=transport) as env:
        assert env.reset(seed=21) == local


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_whole_episode_ends_with_the_verification_model(base_url, transport):
    with RemoteEnv(
        base_url, env="arithmetic", task="arithmetic/sum-list", transport=transport
    ) as env:
        env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(CALCULATE)
        assert obs["output"] == "3 * 3 = 9" and not terminated and "verification" not in info
        obs, reward, terminated, truncated, info = env.step(SUBMIT)
        assert terminated and isinstance(info["verification"], Verification)
        assert reward == info["verification"].score


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_spaces_and_tools_come_from_the_server(base_url, transport):
    with RemoteEnv(base_url, env="arithmetic", transport=transport) as env:
        assert env.observation_space == ArithmeticEnv.make_observation_space()
        assert env.action_space == ArithmeticEnv.make_action_space()
        assert env.tools == ArithmeticEnv.toolset_schemas()
        assert env.family is not None and env.family.name == "arithmetic"


def test_server_errors_raise_the_same_exception_classes(base_url):
    with pytest.raises(EnvNotFoundError, match=re.escape("Did you mean arithmetic?")):
        RemoteEnv(base_url, env="arithmetc")
    with (
        RemoteEnv(base_url, env="arithmetic", task="arithmetic/sum-lists") as env,
        pytest.raises(TaskNotFoundError, match=re.escape("Did you mean arithmetic/sum-list?")),
    ):
        env.reset(seed=0)


def test_step_before_the_first_reset_is_refused_without_opening_a_session(base_url):
    before = open_count(base_url)
    with RemoteEnv(base_url, env="arithmetic") as env:
        with pytest.raises(
            EpisodeStateError,
            match=re.escape("Expects reset() before step(); this RemoteEnv has no session yet."),
        ):
            env.step(SUBMIT)
        assert open_count(base_url) == before and env.session_id is None


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_context_manager_closes_the_session_and_close_is_idempotent(base_url, transport):
    before = open_count(base_url)
    with RemoteEnv(base_url, env="arithmetic", transport=transport) as env:
        env.reset(seed=1)
        assert open_count(base_url) == before + 1
    env.close()
    assert open_count(base_url) == before


def test_use_after_close_is_a_clear_error(base_url):
    env = RemoteEnv(base_url, env="arithmetic").open()
    env.close()
    with pytest.raises(
        ClientClosedError,
        match=re.escape(f"This RemoteEnv (session {env.session_id}) is closed; make a new one."),
    ):
        env.reset(seed=0)


def test_unreachable_server_is_a_connection_error_after_retries():
    with pytest.raises(
        RemoteConnectionError,
        match=r"GET /v1/envs/arithmetic on http://127\.0\.0\.1:\d+ failed: ConnectError",
    ):
        RemoteEnv(unused_base_url(), env="arithmetic", retry=FAST_RETRY)


def test_reset_is_retried_but_a_step_is_never_resent():
    with FakeFlakyServer() as fake:
        env = RemoteEnv(fake.base_url, env="arithmetic", retry=FAST_RETRY)
        with pytest.raises(RemoteConnectionError):
            env.reset(seed=0)
        with pytest.raises(
            RemoteConnectionError, match=re.escape("(not retried: it may have been applied)")
        ):
            env.step(SUBMIT)
        env.close()
    assert fake.calls == {"reset": 3, "step": 1, "close": 1}


def test_a_server_that_does_not_answer_is_a_timeout_error():
    with FakeSilentServer() as silent:
        with pytest.raises(
            RemoteTimeoutError,
            match=re.escape("got no answer within the timeout (connect 1 s, read 0.2 s)"),
        ):
            RemoteEnv(
                silent.base_url,
                env="arithmetic",
                timeout=Timeout(connect=1, read=0.2),
                retry=FAST_RETRY,
            )


def test_a_timeout_in_seconds_is_the_wait_for_each_answer():
    with FakeSilentServer() as silent:
        with pytest.raises(RemoteTimeoutError, match=re.escape("(connect 5 s, read 0.2 s)")):
            RemoteEnv(silent.base_url, env="arithmetic", timeout=0.2, retry=FAST_RETRY)


def test_an_answer_outside_the_protocol_is_a_remote_error_showing_it():
    with FakeGatewayErrorServer() as gateway:
        with pytest.raises(RemoteError, match=re.escape("actual value (HTTP 502): b'<html>")):
            RemoteEnv(gateway.base_url, env="arithmetic")


def test_a_full_server_is_tried_again_after_its_retry_after(full_server):
    holder = RemoteEnv(full_server.base_url, env="arithmetic").open()
    waiter = RemoteEnv(
        full_server.base_url, env="arithmetic", retry=RetryPolicy(attempts=2, jitter=0)
    )
    opened: list[str | None] = []
    with watching_retries() as watch:
        thread = threading.Thread(target=lambda: opened.append(waiter.open().session_id))
        thread.start()
        assert watch.retried.wait(timeout=30), "the client never said it would try again"
        holder.close()
        thread.join(timeout=30)
    waiter.close()
    assert watch.retries == ["POST /v1/sessions failed (answered), trying again in 1.00 s"]
    assert opened and opened[0] is not None


def test_a_retry_after_longer_than_the_policy_allows_raises_at_once(impatient_server):
    holder = RemoteEnv(impatient_server.base_url, env="arithmetic").open()
    try:
        with (
            RemoteEnv(impatient_server.base_url, env="arithmetic") as env,
            pytest.raises(ServerFullError) as full,
        ):
            env.open()
        assert full.value.retry_after_s == 60
    finally:
        holder.close()


def test_envs_can_share_one_http_client_which_they_leave_open(base_url):
    with httpx.Client() as shared:
        envs = [RemoteEnv(base_url, env="arithmetic", http_session=shared) for _ in range(3)]
        for seed, env in enumerate(envs):
            assert env.reset(seed=seed)[1]["seed"] == seed
            env.close()
        assert not shared.is_closed
        with RemoteEnv(base_url, env="arithmetic", http_session=shared) as again:
            again.reset(seed=9)


def test_base_url_and_transport_are_checked():
    with pytest.raises(
        ValueError, match=re.escape("Expects a base_url like http://127.0.0.1:8000")
    ):
        RemoteEnv("localhost:8000", env="arithmetic")
    with pytest.raises(ValueError, match='Expects transport "http" or "websocket"'):
        RemoteEnv("http://127.0.0.1:1", env="arithmetic", transport="grpc")
