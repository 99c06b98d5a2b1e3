import httpx
import pytest

from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.spaces import space_from_json


def test_healthz_says_ok(base_url):
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}


def test_envs_lists_each_family_with_its_gym_id_tools_and_spaces(base_url):
    envs = {e["name"]: e for e in httpx.get(f"{base_url}/v1/envs").json()["envs"]}
    arithmetic = envs["arithmetic"]
    assert arithmetic["gym_id"] == "skillgym/Arithmetic-v0"
    assert {t["function"]["name"] for t in arithmetic["tools"]} == {"calculate", "submit"}
    assert set(space_from_json(arithmetic["observation_space"]).spaces) == {
        "instruction",
        "last_action_error",
        "output",
    }


def test_tasks_lists_versions_and_filters_by_family(base_url):
    tasks = httpx.get(f"{base_url}/v1/tasks", params={"family": "arithmetic"}).json()["tasks"]
    ids = {t["id"] for t in tasks}
    assert "arithmetic/sum-list" in ids
    assert all(t["version"] == "1.0.0" and len(t["content_hash"]) == 64 for t in tasks)


def test_task_versions_route_takes_an_id_with_a_slash(base_url):
    versions = httpx.get(f"{base_url}/v1/tasks/arithmetic/sum-list/versions").json()["tasks"]
    assert [v["version"] for v in versions] == ["1.0.0"]


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        (
            "/v1/tasks/arithmetic/sum-lst/versions",
            "task_not_found",
            "Unknown task 'arithmetic/sum-lst'. Did you mean arithmetic/sum-list?",
        ),
        (
            "/v1/envs/arithmetc",
            "env_not_found",
            "Unknown environment family 'arithmetc'. Did you mean arithmetic?",
        ),
    ],
)
def test_an_unknown_name_is_404_with_a_suggestion(base_url, path, code, message):
    response = httpx.get(f"{base_url}{path}")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": code, "message": message}


def test_unknown_family_filter_is_404(base_url):
    response = httpx.get(f"{base_url}/v1/tasks", params={"family": "flights"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "env_not_found"


def test_openapi_docs_are_served(base_url):
    assert httpx.get(f"{base_url}/docs").status_code == 200
    paths = httpx.get(f"{base_url}/openapi.json").json()["paths"]
    assert "/v1/sessions/{session_id}/step" in paths


def test_unknown_route_is_a_json_404(base_url):
    response = httpx.get(f"{base_url}/v2/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_one_family_is_described_alone_with_its_reset_options(base_url):
    described = httpx.get(f"{base_url}/v1/envs/arithmetic").json()
    listed = {e["name"]: e for e in httpx.get(f"{base_url}/v1/envs").json()["envs"]}
    assert described == listed["arithmetic"]
    assert described["options_schema"] == ArithmeticEnv.options_model.model_json_schema()
    assert {"task", "instruction"} <= set(described["options_schema"]["properties"])


def test_every_family_publishes_the_json_schema_of_its_reset_options(base_url):
    for env in httpx.get(f"{base_url}/v1/envs").json()["envs"]:
        assert env["options_schema"] == env_class(env["name"]).options_model.model_json_schema()
