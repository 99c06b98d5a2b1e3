"""The flight family over HTTP and WebSocket, and its screenshot route."""

import base64
import json

import httpx
import pytest
from gymnasium.utils.env_checker import check_env

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode

TASK = "flight/cheapest-nonstop"


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_oracle_scores_one_over_the_wire(base_url, transport):
    oracle = make_policy("oracle", family="flight", task=TASK, seed=2)
    with RemoteEnv(base_url, env="flight", transport=transport) as env:
        result = run_episode(env, oracle, task=TASK, seed=2)
    assert result.reward == 1.0 and result.success


def test_the_screenshot_route_returns_a_png_of_the_page_now(base_url):
    with RemoteEnv(base_url, env="flight", task=TASK) as env:
        env.reset(seed=0)
        url = f"{base_url}/v1/sessions/{env.session_id}/artifacts/screenshot.png"
        response = httpx.get(url)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
        assert env.artifact("screenshot.png").startswith(b"\x89PNG")


def test_screenshots_in_every_observation_on_request(base_url):
    with RemoteEnv(base_url, env="flight", task=TASK) as env:
        obs, _ = env.reset(seed=0, options={"screenshots": True})
        assert base64.b64decode(obs["screenshot"]).startswith(b"\x89PNG")


def test_a_bad_tool_call_over_http_is_a_last_action_error(base_url):
    with RemoteEnv(base_url, env="flight", task=TASK) as env:
        env.reset(seed=0)
        obs, reward, terminated, truncated, _ = env.step(
            json.dumps({"tool": "fill", "args": {"id": "search", "text": "x"}})
        )
        assert "not a text field" in obs["last_action_error"] and not terminated


def test_a_bad_reset_option_is_a_422(base_url):
    response = httpx.post(f"{base_url}/v1/sessions", json={"env": "flight", "task": TASK})
    session = response.json()["session_id"]
    answer = httpx.post(
        f"{base_url}/v1/sessions/{session}/reset", json={"seed": 0, "options": {"colour": "red"}}
    )
    assert answer.status_code == 422 and "takes 'task', 'instruction', 'screenshots'" in answer.text
    httpx.delete(f"{base_url}/v1/sessions/{session}")


@pytest.mark.filterwarnings("error")
def test_check_env_passes_on_a_remote_flight_env(base_url):
    with RemoteEnv(base_url, env="flight", task=TASK) as env:
        check_env(env, skip_render_check=True)
