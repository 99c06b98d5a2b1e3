"""Sessions over HTTP, including every kind of bad input the issue names."""

import json

import httpx
import pytest

CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "2 * 21"}})
SUBMIT = json.dumps({"tool": "submit", "args": {"answer": "0"}})


@pytest.fixture
def http(base_url):
    with httpx.Client(base_url=base_url) as client:
        yield client


@pytest.fixture
def session_id(http):
    created = http.post("/v1/sessions", json={"env": "arithmetic", "task": "arithmetic/sum-list"})
    yield created.json()["session_id"]
    http.delete(f"/v1/sessions/{created.json()['session_id']}")


def assert_error(response, status, code, message_part=""):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert message_part in error["message"]


def test_create_answers_201_with_the_session(http):
    response = http.post("/v1/sessions", json={"env": "arithmetic", "task": "arithmetic/sum-list"})
    assert response.status_code == 201
    body = response.json()
    assert (
        body["env"] == "arithmetic"
        and body["task"] == "arithmetic/sum-list@1.0.0"
        and body["state"] == "created"
    )
    http.delete(f"/v1/sessions/{body['session_id']}")


def test_a_whole_episode_over_http(http, session_id):
    reset = http.post(f"/v1/sessions/{session_id}/reset", json={"seed": 3}).json()
    assert reset["info"] == {"task": "arithmetic/sum-list@1.0.0", "seed": 3, "step": 0}
    step = http.post(f"/v1/sessions/{session_id}/step", json={"action": CALCULATE}).json()
    assert step["observation"]["output"] == "2 * 21 = 42"
    assert (step["reward"], step["terminated"], step["truncated"]) == (0.0, False, False)
    end = http.post(f"/v1/sessions/{session_id}/step", json={"action": SUBMIT}).json()
    assert end["terminated"] and "verification" in end["info"]
    state = http.get(f"/v1/sessions/{session_id}").json()
    assert (state["state"], state["steps"]) == ("ended", 2)


def test_the_instruction_once_over_http(http, session_id):
    options = {"instruction": "first"}
    reset = http.post(f"/v1/sessions/{session_id}/reset", json={"seed": 3, "options": options})
    assert reset.json()["observation"]["instruction"].startswith("Add up these")
    step = http.post(f"/v1/sessions/{session_id}/step", json={"action": CALCULATE}).json()
    assert step["observation"]["instruction"] == ""


def test_the_create_seed_is_used_by_the_first_reset(http):
    body = {"env": "arithmetic", "task": "arithmetic/sum-list", "seed": 9}
    session = http.post("/v1/sessions", json=body).json()["session_id"]
    assert http.post(f"/v1/sessions/{session}/reset", json={}).json()["info"]["seed"] == 9
    http.delete(f"/v1/sessions/{session}")


def test_close_is_204_then_204_again_and_404_if_it_never_existed(http, session_id):
    assert http.delete(f"/v1/sessions/{session_id}").status_code == 204
    assert http.delete(f"/v1/sessions/{session_id}").status_code == 204
    assert_error(http.delete("/v1/sessions/0000000000000000"), 404, "session_not_found")


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"env": "arithmetics"}, 404, "env_not_found", "Did you mean arithmetic?"),
        (
            {"env": "arithmetic", "task": "arithmetic/nope"},
            404,
            "task_not_found",
            "Unknown task 'arithmetic/nope'",
        ),
        (
            {"env": "arithmetic", "task": "arithmetic/sum-list@3.0.0"},
            404,
            "task_not_found",
            "available versions: 1.0.0",
        ),
        (
            {"env": "arithmetic", "options": {"task": "arithmetic/nope"}},
            404,
            "task_not_found",
            "Unknown task 'arithmetic/nope'",
        ),
        ({"env": "arithmetic", "options": {"speed": 2}}, 422, "invalid_request", "'speed'"),
        ({"env": "arithmetic", "seed": "seven"}, 422, "invalid_request", "seed:"),
        ({"env": 5}, 422, "invalid_request", "env: Input should be a valid string"),
        ({}, 422, "invalid_request", "env: Field required"),
        (
            {"env": "arithmetic", "colour": 1},
            422,
            "invalid_request",
            "colour: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_create_bodies_are_refused_before_a_session_is_made(http, body, status, code, message):
    assert_error(http.post("/v1/sessions", json=body), status, code, message)
    assert http.get("/v1/sessions").json()["count"] == 0


def test_malformed_json_body_is_422(http, session_id):
    response = http.post(
        f"/v1/sessions/{session_id}/step",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert_error(response, 422, "invalid_request", "expects JSON, actual text is not JSON")


def test_action_of_the_wrong_type_is_422(http, session_id):
    http.post(f"/v1/sessions/{session_id}/reset", json={})
    assert_error(
        http.post(f"/v1/sessions/{session_id}/step", json={"action": {"tool": "submit"}}),
        422,
        "invalid_request",
        "action: Input should be a valid string, actual value: {'tool': 'submit'}",
    )


def test_step_before_reset_is_409(http, session_id):
    assert_error(
        http.post(f"/v1/sessions/{session_id}/step", json={"action": CALCULATE}),
        409,
        "episode_not_running",
        "reset() before step()",
    )


def test_step_after_termination_is_409(http, session_id):
    http.post(f"/v1/sessions/{session_id}/reset", json={"seed": 1})
    http.post(f"/v1/sessions/{session_id}/step", json={"action": SUBMIT})
    assert_error(
        http.post(f"/v1/sessions/{session_id}/step", json={"action": CALCULATE}),
        409,
        "episode_not_running",
        "after the episode ended",
    )


def test_step_on_a_closed_session_is_409(http, session_id):
    http.delete(f"/v1/sessions/{session_id}")
    assert_error(
        http.post(f"/v1/sessions/{session_id}/step", json={"action": CALCULATE}),
        409,
        "session_closed",
        "closed by its client",
    )


def test_step_on_an_unknown_session_is_404(http):
    assert_error(
        http.post("/v1/sessions/ffffffffffffffff/step", json={"action": CALCULATE}),
        404,
        "session_not_found",
    )


def test_a_reset_to_a_task_the_session_cannot_play_is_409_and_bad_options_422(http, session_id):
    assert_error(
        http.post(f"/v1/sessions/{session_id}/reset", json={"options": {"task": "arithmetic/x"}}),
        409,
        "task_not_found",
        "Unknown task 'arithmetic/x'",
    )
    assert_error(
        http.post(
            f"/v1/sessions/{session_id}/reset", json={"options": {"task": "flight/aisle-seat"}}
        ),
        409,
        "task_not_found",
        "belongs to family 'flight', not 'arithmetic'",
    )
    assert_error(
        http.post(f"/v1/sessions/{session_id}/reset", json={"options": {"task": 7}}),
        422,
        "invalid_request",
        'options["task"]',
    )
    assert_error(
        http.post(f"/v1/sessions/{session_id}/reset", json={"options": {"speed": 2}}),
        422,
        "invalid_request",
        "unknown option 'speed'",
    )


def test_oversized_body_is_413(http, session_id):
    huge = json.dumps({"action": "x" * 2_000_000})
    response = http.post(
        f"/v1/sessions/{session_id}/step",
        content=huge,
        headers={"content-type": "application/json"},
    )
    assert_error(response, 413, "body_too_large", "at most 1048576 bytes")


def test_oversized_chunked_body_is_413(http, session_id):
    def chunks():
        for _ in range(40):
            yield b"x" * 65_536

    response = http.post(
        f"/v1/sessions/{session_id}/step",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert_error(response, 413, "body_too_large")


def test_huge_action_within_the_body_limit_is_a_last_action_error_not_a_failure(http, session_id):
    http.post(f"/v1/sessions/{session_id}/reset", json={})
    step = http.post(f"/v1/sessions/{session_id}/step", json={"action": "y" * 500_000})
    assert step.status_code == 200
    assert (
        "Expects an action of at most 100000 characters"
        in step.json()["observation"]["last_action_error"]
    )


def test_bad_input_on_one_session_leaves_others_serving(http, session_id):
    other = http.post("/v1/sessions", json={"env": "arithmetic"}).json()["session_id"]
    http.post(f"/v1/sessions/{other}/reset", json={"seed": 2})
    for bad in (b"{", b"[]", b'{"action": null}'):
        http.post(
            f"/v1/sessions/{session_id}/step",
            content=bad,
            headers={"content-type": "application/json"},
        )
    http.post("/v1/sessions", content=b"x" * 2_000_000)
    assert http.post(f"/v1/sessions/{other}/step", json={"action": CALCULATE}).status_code == 200
    http.delete(f"/v1/sessions/{other}")


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("step", b"[]", "body: Input should be an object, actual value: []"),
        ("step", b'{"action": "x", "why": 1}', "why: Extra inputs are not permitted"),
        ("step", b"{}", "action: Field required"),
        ("reset", b'{"seed": true}', "seed: Input should be a valid integer, actual value: True"),
        ("reset", b'{"seed": 1.5}', "seed: Input should be a valid integer, actual value: 1.5"),
        ("reset", b'{"seed": "3"}', "seed: Input should be a valid integer, actual value: '3'"),
        ("reset", b'{"options": "fast"}', "options: Input should be an object"),
        ("reset", b'{"seeds": 1}', "seeds: Extra inputs are not permitted"),
    ],
)
def test_bodies_are_checked_by_the_protocol_models(http, session_id, route, body, message):
    response = http.post(
        f"/v1/sessions/{session_id}/{route}",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert_error(response, 422, "invalid_request", f"Invalid request: {message}")


def test_a_negative_seed_is_422_not_a_server_error(http, session_id):
    response = http.post(f"/v1/sessions/{session_id}/reset", json={"seed": -3})
    assert_error(
        response, 422, "invalid_request", "seed: Input should be greater than or equal to 0"
    )


def test_a_deeply_nested_action_is_a_last_action_error_over_http(http, session_id):
    http.post(f"/v1/sessions/{session_id}/reset", json={})
    step = http.post(
        f"/v1/sessions/{session_id}/step", json={"action": "[" * 40_000 + "]" * 40_000}
    )
    assert step.status_code == 200
    assert "nested too deeply" in step.json()["observation"]["last_action_error"]


def test_an_undecodable_create_body_is_422_like_every_bad_body(http):
    response = http.post(
        "/v1/sessions", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "invalid_request", "actual text is not JSON")
