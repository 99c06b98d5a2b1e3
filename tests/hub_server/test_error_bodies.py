"""Every error the server sends is written by one model, ``ErrorBody``, wherever it comes from."""

import ast
import json
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

import skillgym.hub_server
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "1+1"}})


@pytest.fixture
def http(base_url):
    with httpx.Client(base_url=base_url) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "code"),
    [
        ("GET", "/v1/sessions/ffffffffffffffff", None, 404, "session_not_found"),
        ("POST", "/v1/sessions", b'{"env": "arithmetics"}', 404, "env_not_found"),
        ("POST", "/v1/sessions", b'{"env": 7}', 422, "invalid_request"),
        ("POST", "/v1/sessions/ffffffffffffffff/step", b"{", 422, "invalid_request"),
        ("GET", "/v1/tasks/arithmetic/nope/versions", None, 404, "task_not_found"),
        ("GET", "/v1/nothing", None, 404, "not_found"),
        ("PATCH", "/v1/sessions", None, 405, "method_not_allowed"),
        ("POST", "/v1/sessions", b"x" * 1_100_000, 413, "body_too_large"),
    ],
)
def test_route_and_middleware_errors_are_error_bodies(
    http, assert_error_body, method, path, content, status, code
):
    response = http.request(method, path, content=content)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert_error_body(response.text, code)


def test_a_chunked_body_over_the_limit_is_an_error_body(http, assert_error_body):
    response = http.post("/v1/sessions", content=iter([b"x" * 600_000, b"x" * 600_000]))
    assert response.status_code == 413
    assert_error_body(response.text, "body_too_large")


def test_auth_refusals_are_error_bodies(assert_error_body):
    with BackgroundServer(ServerSettings(port=0, api_token="t")) as server:
        missing = httpx.get(f"{server.base_url}/v1/sessions")
        wrong = httpx.get(f"{server.base_url}/v1/sessions", headers={"authorization": "Bearer x"})
    assert (missing.status_code, wrong.status_code) == (401, 403)
    assert_error_body(missing.text, "unauthorized")
    assert_error_body(wrong.text, "forbidden")


def test_websocket_errors_are_error_bodies(base_url, http, assert_error_body):
    ws_base = base_url.replace("http://", "ws://")
    with connect(f"{ws_base}/v1/sessions/ffffffffffffffff/ws") as ws:
        assert_error_body(ws.recv(timeout=10), "session_not_found")
    session = http.post("/v1/sessions", json={"env": "arithmetic"}).json()["session_id"]
    with connect(f"{ws_base}/v1/sessions/{session}/ws") as ws:
        for message, code in [
            ("{", "invalid_request"),
            ('{"op": "fly"}', "invalid_request"),
            (json.dumps({"op": "step", "action": CALCULATE}), "episode_not_running"),
        ]:
            ws.send(message)
            assert_error_body(ws.recv(timeout=10), code)
    http.delete(f"/v1/sessions/{session}")


def test_no_server_module_writes_an_error_body_by_hand():
    """No ``{"error": ...}`` dict and no JSON text holding ``"error"`` in the server's code."""
    package = Path(next(iter(skillgym.hub_server.__path__)))
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            where = (path.name, getattr(node, "lineno", None))
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                assert "error" not in keys, where
            if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
                text = node.value if isinstance(node.value, str) else node.value.decode()
                assert '"error"' not in text, where
