"""The session WebSocket: the same bodies as HTTP, errors as messages, closing."""

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "6 * 7"}})


@pytest.fixture
def session_id(base_url):
    created = httpx.post(
        f"{base_url}/v1/sessions", json={"env": "arithmetic", "task": "arithmetic/sum-list"}
    ).json()
    yield created["session_id"]
    httpx.delete(f"{base_url}/v1/sessions/{created['session_id']}")


def ws_url(base_url, session_id):
    return base_url.replace("http://", "ws://") + f"/v1/sessions/{session_id}/ws"


def call(ws, message):
    ws.send(message if isinstance(message, str) else json.dumps(message))
    return json.loads(ws.recv(timeout=10))


def test_reset_and_step_answer_with_the_http_bodies(base_url, session_id):
    with connect(ws_url(base_url, session_id)) as ws:
        reset = call(ws, {"op": "reset", "seed": 4})
        step = call(ws, {"op": "step", "action": CALCULATE})
    http_reset = httpx.post(f"{base_url}/v1/sessions/{session_id}/reset", json={"seed": 4}).json()
    http_step = httpx.post(
        f"{base_url}/v1/sessions/{session_id}/step", json={"action": CALCULATE}
    ).json()
    assert reset == http_reset
    assert step == http_step


@pytest.mark.parametrize(
    ("message", "code", "part"),
    [
        ("{nope", "invalid_request", "actual text is not JSON"),
        ({"op": "dance"}, "invalid_request", "expected tags: 'reset', 'step', 'close'"),
        ({"action": "x"}, "invalid_request", "Unable to extract tag using discriminator 'op'"),
        ({"op": "step", "action": 3}, "invalid_request", "step.action: Input should be a valid"),
        ({"op": "reset", "seed": "x"}, "invalid_request", "reset.seed: Input should be a valid"),
        ({"op": "reset", "options": [1]}, "invalid_request", "reset.options: Input should be an"),
        ({"op": "step", "action": CALCULATE}, "episode_not_running", "reset() before step()"),
    ],
)
def test_bad_messages_get_an_error_message_and_the_socket_stays_open(
    base_url, session_id, message, code, part
):
    with connect(ws_url(base_url, session_id)) as ws:
        error = call(ws, message)["error"]
        assert error["code"] == code and part in error["message"]
        assert "observation" in call(ws, {"op": "reset"})


def test_close_op_closes_the_session_and_the_socket(base_url, session_id):
    with connect(ws_url(base_url, session_id)) as ws:
        assert call(ws, {"op": "close"}) == {"status": "closed"}
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    assert (
        httpx.get(f"{base_url}/v1/sessions/{session_id}").json()["error"]["code"]
        == "session_closed"
    )


def test_unknown_session_gets_an_error_then_close_code_4404(base_url):
    with connect(ws_url(base_url, "ffffffffffffffff")) as ws:
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == "session_not_found"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 4404


def test_closing_the_session_over_http_closes_its_socket(base_url, session_id):
    with connect(ws_url(base_url, session_id)) as ws:
        call(ws, {"op": "reset"})
        httpx.delete(f"{base_url}/v1/sessions/{session_id}")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


def test_a_binary_frame_holding_a_message_is_answered_like_a_text_one(base_url, session_id):
    with connect(ws_url(base_url, session_id)) as ws:
        text_reset = call(ws, {"op": "reset", "seed": 5})
        ws.send(json.dumps({"op": "reset", "seed": 5}).encode())
        assert json.loads(ws.recv(timeout=10)) == text_reset
        ws.send(b"\xff not json")
        assert json.loads(ws.recv(timeout=10))["error"]["code"] == "invalid_request"
