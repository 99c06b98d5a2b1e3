"""Seeded random bodies against every session route: never a 5xx, always the error shape."""

import json
import random

import httpx
import pytest
from websockets.sync.client import connect

VALUES = [
    None,
    True,
    -1,
    0,
    2**64,
    1.5,
    float("inf"),
    "",
    "x" * 5_000,
    "é😀\u0000",
    [],
    {},
    [1, [2, [3]]],
    {"tool": "submit"},
    "arithmetic",
    "arithmetic/sum-list@1.0.0",
    "arithmetic/sum-list@x",
]
KEYS = ["env", "task", "seed", "options", "action", "op", "tool", "args", "extra"]


def random_value(rng: random.Random, depth: int = 0):
    if depth < 3 and rng.random() < 0.2:
        return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if depth < 3 and rng.random() < 0.1:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(VALUES)


def random_body(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.1:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    if kind < 0.15:
        return b"[" * 5_000 + b"]" * 5_000
    if kind < 0.2:
        return json.dumps(random_value(rng)).encode()
    body = {rng.choice(KEYS): random_value(rng) for _ in range(rng.randint(0, 4))}
    return json.dumps(body).encode()  # may hold Infinity: not JSON, the server must say so


@pytest.fixture
def session_id(base_url):
    sid = httpx.post(f"{base_url}/v1/sessions", json={"env": "arithmetic"}).json()["session_id"]
    yield sid
    httpx.delete(f"{base_url}/v1/sessions/{sid}")


def test_random_bodies_never_get_a_server_error(base_url, session_id):
    rng = random.Random(20261123)
    routes = [
        ("POST", "/v1/sessions"),
        ("POST", f"/v1/sessions/{session_id}/reset"),
        ("POST", f"/v1/sessions/{session_id}/step"),
    ]
    created = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for _ in range(300):
            method, path = rng.choice(routes)
            response = http.request(
                method, path, content=random_body(rng), headers={"content-type": "application/json"}
            )
            assert response.status_code < 500, (path, response.text)
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message"}
            elif path == "/v1/sessions":
                created.append(response.json()["session_id"])
        assert http.post(f"/v1/sessions/{session_id}/reset", json={"seed": 1}).status_code == 200
        for sid in created:
            http.delete(f"/v1/sessions/{sid}")


def test_random_websocket_messages_never_get_an_internal_error(base_url, session_id):
    rng = random.Random(7)
    with connect(
        base_url.replace("http", "ws") + f"/v1/sessions/{session_id}/ws", max_size=None
    ) as ws:
        for _ in range(200):
            body = random_body(rng)
            if rng.random() < 0.5:
                message = json.loads(body) if body[:1] == b"{" else None
                if isinstance(message, dict) and message.get("op") != "close":
                    message["op"] = rng.choice(["reset", "step", "dance"])
                    body = json.dumps(message).encode()
            try:
                ws.send(body.decode())
            except UnicodeDecodeError:
                continue
            answer = json.loads(ws.recv(timeout=10))
            if "error" in answer:
                assert answer["error"]["code"] != "internal_error", answer
