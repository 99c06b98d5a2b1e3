"""The OpenAPI schema says every status each route answers, and 405s say what is allowed."""

import httpx
import pytest

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
CALL_STATUSES = {"200", "404", "409", "413", "422", "503"}
STATUSES = {
    ("/healthz", "get"): {"200"},
    ("/v1/envs", "get"): {"200"},
    ("/v1/envs/{name}", "get"): {"200", "404"},
    ("/v1/tasks", "get"): {"200", "404"},
    ("/v1/tasks/{task_id}/versions", "get"): {"200", "404"},
    ("/v1/sessions", "get"): {"200"},
    ("/v1/sessions", "post"): {"201", "404", "413", "422", "503"},
    ("/v1/sessions/{session_id}", "get"): {"200", "404", "409"},
    ("/v1/sessions/{session_id}", "delete"): {"204", "404"},
    ("/v1/sessions/{session_id}/reset", "post"): CALL_STATUSES,
    ("/v1/sessions/{session_id}/step", "post"): CALL_STATUSES,
    ("/v1/sessions/{session_id}/artifacts/{name}", "get"): {"200", "404", "409", "422", "503"},
    # runs: writes need a token (401/403) and are rate limited (429)
    ("/v1/runs", "post"): {"201", "401", "403", "404", "409", "413", "422", "429"},
    ("/v1/runs/{run_id}", "get"): {"200", "404", "422"},
    ("/v1/runs/{run_id}/withdraw", "post"): {"200", "401", "403", "404", "422", "429"},
    ("/v1/runs/{run_id}/episodes", "post"): {
        "200",
        "401",
        "403",
        "404",
        "409",
        "413",
        "422",
        "429",
    },
    ("/v1/runs/{run_id}/finish", "post"): {"200", "401", "403", "404", "422", "429"},
    ("/v1/runs/{run_id}/episodes/{slot}/artifacts/{name}", "get"): {"200", "404", "422"},
    ("/v1/leaderboard", "get"): {"200", "404", "422"},
    ("/v1/tasks/{task_id}/scores", "get"): {"200", "404"},
}


def documented_statuses(schema):
    return {
        (path, method): set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


@pytest.fixture(scope="module")
def schema(base_url):
    return httpx.get(f"{base_url}/openapi.json").json()


def test_every_route_documents_each_status_it_can_answer(schema):
    assert documented_statuses(schema) == STATUSES


def test_every_error_status_is_documented_with_the_error_body(schema):
    for (path, method), statuses in STATUSES.items():
        responses = schema["paths"][path][method]["responses"]
        for status in statuses - {"200", "201", "204"}:
            content = responses[status]["content"]["application/json"]
            assert content["schema"] == ERROR_BODY, (path, method, status)


def test_full_server_answers_document_retry_after(schema):
    full = schema["paths"]["/v1/sessions"]["post"]["responses"]["503"]
    assert full["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_fastapis_own_validation_error_body_is_not_in_the_schema(schema):
    assert not {"HTTPValidationError", "ValidationError"} & set(schema["components"]["schemas"])


def test_request_bodies_are_the_protocol_models(schema):
    def body(path):
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert body("/v1/sessions") == "SessionCreate"
    assert body("/v1/sessions/{session_id}/reset") == "ResetRequest"
    assert body("/v1/sessions/{session_id}/step") == "StepRequest"
    assert schema["components"]["schemas"]["StepRequest"]["required"] == ["action"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/v1/sessions", "GET, POST"),
        ("OPTIONS", "/v1/sessions/0000000000000000", "DELETE, GET"),
        ("PUT", "/v1/sessions/0000000000000000", "DELETE, GET"),
        ("GET", "/v1/sessions/0000000000000000/step", "POST"),
        ("OPTIONS", "/v1/tasks/arithmetic/sum-list/versions", "GET"),
        ("DELETE", "/healthz", "GET"),
    ],
)
def test_a_405_names_every_method_the_path_serves(base_url, method, path, allow):
    response = httpx.request(method, f"{base_url}{path}")
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"] == {
        "code": "method_not_allowed",
        "message": f"Expects one of {allow} on {path}, actual method: {method}",
    }


def test_every_documented_path_answers_options_with_its_documented_methods(base_url, schema):
    for path, operations in schema["paths"].items():
        concrete = path.replace("{session_id}", "0").replace("{name}", "x")
        concrete = concrete.replace("{task_id}", "arithmetic/sum-list")
        response = httpx.options(f"{base_url}{concrete}")
        assert response.status_code == 405, path
        assert response.headers["allow"] == ", ".join(sorted(m.upper() for m in operations))


def test_a_server_with_a_token_declares_it_on_the_session_routes_and_the_writes_only():
    with BackgroundServer(ServerSettings(port=0, api_token="t0ken")) as server:
        schema = httpx.get(f"{server.base_url}/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    for (path, method), statuses in STATUSES.items():
        operation = schema["paths"][path][method]
        if path.startswith("/v1/sessions"):
            # creating a session is a write: rate limited per token
            limited = {"429"} if (path, method) == ("/v1/sessions", "post") else set()
            assert operation["security"] == [{"bearer": []}]
            assert set(operation["responses"]) == statuses | {"401", "403"} | limited
        elif "401" in statuses:  # a write to runs: a token always
            assert operation["security"] == [{"bearer": []}]
            assert set(operation["responses"]) == statuses
        else:
            assert "security" not in operation
            assert set(operation["responses"]) == statuses
