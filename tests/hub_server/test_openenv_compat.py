"""OpenEnv's own client plays SkillGym: ``/openenv/{family}`` speaks OpenEnv's protocol.

Every test drives a real SkillGym server with ``openenv-core``'s real client
(``GenericEnvClient``, async, and its ``.sync()`` twin), or with a raw WebSocket where
the test sends what that client never would.
"""

import json
import random
import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from openenv.auto import AutoEnv
from openenv.core import GenericEnvClient
from openenv.core.client_types import StepResult
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from skillgym.envs.core.episode import make_policy
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

ORACLE_TASKS = {
    "arithmetic": "arithmetic/sum-list@1.0.0",
    "flight": "flight/cheapest-nonstop@1.0.1",
    "spreadsheet": "spreadsheet/loan-amortization@1.0.1",
    "terminal": "terminal/jq-extract@1.0.1",
}
SUM_LIST = ORACLE_TASKS["arithmetic"]
CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "6 * 7"}})
MAX_STEPS = 200
TOKEN = "openenv-t0ken"


def family_url(base_url: str, family: str) -> str:
    return f"{base_url}/openenv/{family}"


def ws_url(base_url: str, family: str) -> str:
    return family_url(base_url, family).replace("http://", "ws://") + "/ws"


def play(env, policy: Callable[[dict], str], first: StepResult) -> StepResult:
    """Step ``env`` with ``policy`` until the episode is done."""
    result = first
    for _ in range(MAX_STEPS):
        if result.done:
            return result
        result = env.step({"action": policy(result.observation)})
    raise AssertionError(f"the episode did not end within {MAX_STEPS} steps")


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)


def session_state(base_url: str, session_id: str, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.get(f"{base_url}/v1/sessions/{session_id}", headers=headers).json()
    return body["state"] if "state" in body else body["error"]["code"]


@pytest.fixture
def env(base_url):
    with GenericEnvClient(base_url=family_url(base_url, "arithmetic")).sync() as client:
        yield client


# ---------------------------------------------------------------- whole episodes


@pytest.mark.parametrize("family", sorted(ORACLE_TASKS))
def test_the_openenv_client_plays_an_oracle_episode_of_each_family_to_reward_one(base_url, family):
    task = ORACLE_TASKS[family]
    oracle = make_policy("oracle", family=family, task=task, seed=5)
    with GenericEnvClient(base_url=family_url(base_url, family)).sync() as env:
        first = env.reset(seed=5, task=task)
        assert first.done is False and first.reward is None
        assert first.observation["instruction"]
        assert first.observation["metadata"]["task"] == task
        last = play(env, oracle, first)
    assert last.done is True
    assert last.reward == 1.0
    verdict = last.observation["metadata"]["verification"]
    assert verdict["success"] is True and verdict["score"] == 1.0
    assert last.observation["metadata"]["terminated"] is True


async def test_the_async_client_plays_the_same_episode_as_the_sync_one(base_url):
    oracle = make_policy("oracle", family="arithmetic", task=SUM_LIST, seed=9)
    async with GenericEnvClient(base_url=family_url(base_url, "arithmetic")) as env:
        result = await env.reset(seed=9, task=SUM_LIST)
        first_observation = result.observation
        while not result.done:
            result = await env.step({"action": oracle(result.observation)})
    assert result.reward == 1.0
    with GenericEnvClient(base_url=family_url(base_url, "arithmetic")).sync() as twin:
        assert twin.reset(seed=9, task=SUM_LIST).observation == first_observation


def test_the_same_seed_and_task_give_the_same_first_observation_as_v1(base_url, env):
    over_openenv = env.reset(seed=4, task=SUM_LIST).observation
    with httpx.Client(base_url=base_url) as http:
        created = http.post("/v1/sessions", json={"env": "arithmetic", "task": SUM_LIST}).json()
        over_v1 = http.post(f"/v1/sessions/{created['session_id']}/reset", json={"seed": 4})
        http.delete(f"/v1/sessions/{created['session_id']}")
    body = over_v1.json()
    assert over_openenv == {
        **body["observation"],
        "metadata": {**body["info"], "terminated": False, "truncated": False},
    }


def test_a_tool_call_object_is_step_data_too(env):
    env.reset(seed=2, task=SUM_LIST)
    result = env.step({"tool": "submit", "args": {"answer": "4"}, "metadata": {}})
    assert result.done is True and result.reward == 0.0
    assert result.observation["metadata"]["verification"]["success"] is False


def test_a_malformed_tool_call_is_reported_in_the_observation_not_refused(env):
    env.reset(seed=2, task=SUM_LIST)
    result = env.step({"action": "not a tool call"})
    assert result.done is False
    assert result.observation["last_action_error"]


def test_the_family_options_are_reset_kwargs(env):
    env.reset(seed=2, task=SUM_LIST, instruction="first")
    assert env.step({"action": CALCULATE}).observation["instruction"] == ""


def test_state_names_the_episode_its_steps_and_the_session(base_url, env):
    assert env.state() == {"episode_id": None, "step_count": 0, "session": None}
    env.reset(seed=1, task=SUM_LIST, episode_id="run-7/episode-0")
    env.step({"action": CALCULATE})
    state = env.state()
    assert state["episode_id"] == "run-7/episode-0"
    assert state["step_count"] == 1
    assert state["session"]["env"] == "arithmetic"
    assert state["session"]["episode_task"] == SUM_LIST
    assert session_state(base_url, state["session"]["session_id"]) == "running"


def test_later_resets_reuse_the_socket_s_session(env):
    env.reset(seed=1, task=SUM_LIST)
    first = env.state()
    env.reset(seed=2, task=SUM_LIST)
    second = env.state()
    assert second["session"]["session_id"] == first["session"]["session_id"]
    assert second["episode_id"] != first["episode_id"]


def test_closing_the_client_closes_its_session(base_url):
    env = GenericEnvClient(base_url=family_url(base_url, "arithmetic")).sync()
    env.reset(seed=1, task=SUM_LIST)
    session_id = env.state()["session"]["session_id"]
    env.close()
    wait_until(lambda: session_state(base_url, session_id) == "session_closed")


def test_auto_env_finds_the_server_healthy_and_hands_back_a_generic_client(base_url):
    env = AutoEnv.from_env(
        "skillgym-arithmetic", base_url=family_url(base_url, "arithmetic"), skip_install=True
    )
    assert isinstance(env, GenericEnvClient)
    with env.sync() as client:
        assert client.reset(seed=1, task=SUM_LIST).observation["instruction"]


def test_metadata_and_schema_answer_what_openenv_tools_read(base_url):
    with httpx.Client(base_url=family_url(base_url, "arithmetic")) as http:
        assert http.get("/health").json() == {"status": "healthy"}
        metadata = http.get("/metadata").json()
        schema = http.get("/schema").json()
    assert metadata["name"] == "arithmetic" and metadata["description"]
    assert set(schema) == {"action", "observation", "state"}
    assert set(schema["observation"]["required"]) == {
        "instruction",
        "last_action_error",
        "output",
        "metadata",
    }
    assert {"ActionText", "ToolCallData"} <= set(schema["action"]["$defs"])
    assert {"episode_id", "step_count", "session"} <= set(schema["state"]["properties"])


def test_the_openenv_routes_stay_out_of_the_v1_openapi_schema(base_url):
    paths = httpx.get(f"{base_url}/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/openenv")]


# ---------------------------------------------------------------- errors


def test_an_unknown_family_gets_a_clear_error_with_a_suggestion(base_url):
    with GenericEnvClient(base_url=family_url(base_url, "arithmetc")).sync() as env:
        with pytest.raises(RuntimeError) as refused:
            env.reset(seed=1)
    assert str(refused.value) == (
        "Server error: Unknown environment family 'arithmetc'. Did you mean arithmetic? "
        "(code: env_not_found)"
    )
    health = httpx.get(f"{family_url(base_url, 'arithmetc')}/health")
    assert health.status_code == 404
    assert health.json()["error"]["code"] == "env_not_found"


def test_the_client_raises_the_servers_error_and_the_socket_plays_on(env):
    with pytest.raises(RuntimeError, match=re.escape('Expects step data {"action": ')):
        env.step({"act": "submit"})
    with pytest.raises(RuntimeError, match=re.escape("(code: episode_not_running)")):
        env.step({"action": CALCULATE})
    with pytest.raises(RuntimeError, match=re.escape("unknown option 'colour'")):
        env.reset(seed=1, colour="red")
    with pytest.raises(RuntimeError, match=re.escape("(code: task_not_found)")):
        env.reset(seed=1, task="flight/cheapest-nonstop@1.0.1")
    assert env.reset(seed=1, task=SUM_LIST).done is False


@pytest.mark.parametrize(
    ("message", "code", "says"),
    [
        ("{nope", "invalid_request", "expects JSON, actual text is not JSON"),
        (
            {"type": "mcp", "data": {}},
            "invalid_request",
            "expected tags: 'reset', 'step', 'state', 'close'",
        ),
        ({"data": {}}, "invalid_request", "Unable to extract tag using discriminator 'type'"),
        (
            {"type": "step", "data": "submit"},
            "invalid_request",
            'step.data: Expects step data {"action": "<one JSON tool call>"} or a tool call '
            '{"tool": "<name>", "args": {...}}, actual value: \'submit\'',
        ),
        (
            {"type": "step", "data": {"action": 4}},
            "invalid_request",
            "step.data.text.action: Input should be a valid string, actual value: 4",
        ),
        (
            {"type": "reset", "data": {"seed": "7"}},
            "invalid_request",
            "reset.data.seed: Input should be a valid integer, actual value: '7'",
        ),
        ({"type": "state", "extra": 1}, "invalid_request", "state.extra: Extra inputs"),
        (
            {"type": "step", "data": {"action": CALCULATE}},
            "episode_not_running",
            "Expects a reset before the first step; no episode has started on this socket.",
        ),
    ],
)
def test_a_bad_message_gets_an_error_that_says_what_was_expected(base_url, message, code, says):
    with connect(ws_url(base_url, "arithmetic")) as ws:
        ws.send(message if isinstance(message, str) else json.dumps(message))
        answer = json.loads(ws.recv(timeout=10))
        assert answer["type"] == "error"
        assert set(answer["data"]) == {"code", "message"}
        assert answer["data"]["code"] == code
        assert says in answer["data"]["message"]
        ws.send(json.dumps({"type": "reset", "data": {"seed": 1}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "observation"


def test_a_close_message_closes_the_session_and_then_the_socket(base_url):
    with connect(ws_url(base_url, "arithmetic")) as ws:
        ws.send(json.dumps({"type": "reset", "data": {"seed": 1}}))
        ws.recv(timeout=10)
        ws.send(json.dumps({"type": "state"}))
        session_id = json.loads(ws.recv(timeout=10))["data"]["session"]["session_id"]
        ws.send(json.dumps({"type": "close"}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1000
    assert session_state(base_url, session_id) == "session_closed"


# ---------------------------------------------------------------- limits and tokens


@pytest.fixture(scope="module")
def guarded() -> Iterator[BackgroundServer]:
    """A server with a token and room for one session."""
    settings = ServerSettings(port=0, api_token=TOKEN, max_sessions=1, retry_after_s=3)
    with BackgroundServer(settings) as server:
        yield server


def with_token(base_url: str, family: str) -> str:
    return family_url(base_url, family).replace("http://", f"http://openenv:{TOKEN}@")


def test_on_a_server_with_a_token_a_client_without_it_is_refused(guarded):
    with GenericEnvClient(base_url=family_url(guarded.base_url, "arithmetic")).sync() as env:
        with pytest.raises(RuntimeError, match=re.escape("(code: unauthorized)")):
            env.reset(seed=1)
    wrong = family_url(guarded.base_url, "arithmetic").replace("http://", "http://openenv:x@")
    with GenericEnvClient(base_url=wrong).sync() as env:
        with pytest.raises(RuntimeError, match=re.escape("(code: forbidden)")):
            env.reset(seed=1)


def test_the_token_in_the_urls_password_lets_the_client_play(guarded):
    oracle = make_policy("oracle", family="arithmetic", task=SUM_LIST, seed=3)
    with GenericEnvClient(base_url=with_token(guarded.base_url, "arithmetic")).sync() as env:
        assert play(env, oracle, env.reset(seed=3, task=SUM_LIST)).reward == 1.0


def test_a_bearer_token_works_too(guarded):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with connect(ws_url(guarded.base_url, "arithmetic"), additional_headers=headers) as ws:
        ws.send(json.dumps({"type": "reset", "data": {"seed": 1}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "observation"


def test_a_full_server_answers_reset_with_server_full_and_the_socket_may_retry(guarded):
    url = with_token(guarded.base_url, "arithmetic")
    first = GenericEnvClient(base_url=url).sync()
    first.reset(seed=1)
    with GenericEnvClient(base_url=url).sync() as second:
        with pytest.raises(RuntimeError) as full:
            second.reset(seed=1)
        assert "(code: server_full)" in str(full.value)
        assert "maximum of 1 sessions; retry after 3 s" in str(full.value)
        first.close()
        sessions = f"{guarded.base_url}/v1/sessions"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        wait_until(lambda: httpx.get(sessions, headers=headers).json()["count"] == 0)
        assert second.reset(seed=1).done is False


def test_a_reset_after_the_idle_reaper_closed_the_session_makes_a_new_one():
    settings = ServerSettings(port=0, idle_timeout_s=0.2, reap_interval_s=0.1)
    with (
        BackgroundServer(settings) as server,
        GenericEnvClient(base_url=family_url(server.base_url, "arithmetic")).sync() as env,
    ):
        env.reset(seed=1, task=SUM_LIST)
        reaped = env.state()["session"]["session_id"]
        wait_until(lambda: session_state(server.base_url, reaped) == "session_closed")
        assert env.state()["session"]["state"] == "closed"
        with pytest.raises(RuntimeError, match=re.escape("Over OpenEnv, a reset makes one.")):
            env.step({"action": CALCULATE})
        env.reset(seed=1, task=SUM_LIST)
        assert env.state()["session"]["session_id"] != reaped


def test_random_messages_never_get_an_internal_error(base_url):
    rng = random.Random(20261207)
    values = [None, True, -1, 7, 1.5, "", "x" * 3_000, "é😀", [], {}, {"tool": "submit"}, SUM_LIST]
    keys = ["type", "data", "seed", "task", "action", "tool", "args", "metadata", "episode_id"]
    types = ["reset", "step", "state", "mcp", 3]
    with connect(ws_url(base_url, "arithmetic")) as ws:
        for _ in range(200):
            message = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 3))}
            message["type"] = rng.choice(types)
            if rng.random() < 0.5:
                message["data"] = {rng.choice(keys): rng.choice(values) for _ in range(2)}
            text = json.dumps(message)
            ws.send(text.encode() if rng.random() < 0.3 else text)  # binary frames too
            answer = json.loads(ws.recv(timeout=10))
            assert answer["type"] in {"observation", "state", "error"}, answer
            if answer["type"] == "error":
                assert answer["data"]["code"] != "internal_error", (message, answer)
