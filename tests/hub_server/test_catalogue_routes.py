import httpx

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


def test_unknown_task_versions_is_404_with_a_suggestion(base_url):
    response = httpx.get(f"{base_url}/v1/tasks/arithmetic/sum-lst/versions")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "task_not_found",
        "message": "Unknown task 'arithmetic/sum-lst'. Did you mean arithmetic/sum-list?",
    }


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
