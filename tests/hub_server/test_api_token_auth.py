"""Per-user tokens on the hub: reading is public, writing needs a live token with the scope.

No token, a wrong scope and a revoked token are refused (401/403); writes are rate
limited per token (429 with Retry-After); a token never shows in logs or answers.
"""

import logging

import httpx
import pytest

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.tokens import TokenStore
from skillgym.hub_server.settings import ServerSettings

RUN = {"suite": "mini", "policy": {"name": "p"}}


def test_reading_is_public(running_hub):
    for path in ("/v1/leaderboard", "/v1/tasks/arithmetic/sum-list/scores", "/v1/tasks"):
        assert httpx.get(running_hub.base_url + path).status_code == 200, path


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [(None, 401, "unauthorized"), ("sgk_0000_forged", 403, "forbidden")],
)
def test_writing_without_a_live_token_is_refused(running_hub, who, status, code):
    response = httpx.post(
        f"{running_hub.base_url}/v1/runs", json=RUN, headers=running_hub.headers(who)
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "skillgym tokens create" in response.json()["error"]["message"]


def test_withdrawing_a_run_needs_the_admin_scope(running_hub):
    hub = running_hub
    run = httpx.post(f"{hub.base_url}/v1/runs", json=RUN, headers=hub.headers(hub.alice)).json()
    withdraw = f"{hub.base_url}/v1/runs/{run['id']}/withdraw"
    refused = httpx.post(withdraw, headers=hub.headers(hub.alice))
    assert refused.status_code == 403
    assert "'admin' scope" in refused.json()["error"]["message"]
    done = httpx.post(withdraw, headers=hub.headers(hub.admin))
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert httpx.get(f"{hub.base_url}/v1/runs/{run['id']}").json()["status"] == "withdrawn"


def test_a_revoked_token_is_refused_from_then_on(running_hub):
    hub = running_hub
    assert httpx.post(f"{hub.base_url}/v1/runs", json=RUN, headers=hub.headers(hub.bob)).is_success
    token_id = hub.bob.split("_")[1]
    assert hub.tokens.revoke(token_id)  # what `skillgym tokens revoke` does
    response = httpx.post(f"{hub.base_url}/v1/runs", json=RUN, headers=hub.headers(hub.bob))
    assert response.status_code == 403


def test_a_token_over_its_rate_gets_429_with_retry_after(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    _, secret = TokenStore(Database.open(url)).create("eager", ["submit"])
    settings = ServerSettings(
        port=0, database_url=url, rate_limit_per_s=0.5, rate_limit_burst=3, token_cache_s=0
    )
    headers = {"authorization": f"Bearer {secret}"}
    with BackgroundServer(settings) as server:
        answers = [
            httpx.post(f"{server.base_url}/v1/runs/0/finish", headers=headers) for _ in range(4)
        ]
        reads = [httpx.get(f"{server.base_url}/v1/leaderboard") for _ in range(5)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert all(r.status_code == 200 for r in reads)  # reading is not limited


def test_a_token_never_shows_in_logs_or_answers(running_hub, caplog):
    hub = running_hub
    caplog.set_level(logging.DEBUG)
    answers = []
    for token in (hub.alice, hub.alice + "x"):
        headers = hub.headers(token)
        answers += [
            httpx.post(f"{hub.base_url}/v1/runs", json=RUN, headers=headers),
            httpx.post(f"{hub.base_url}/v1/runs", json={"suite": "none"}, headers=headers),
            httpx.post(f"{hub.base_url}/v1/runs/0/withdraw", headers=headers),
            httpx.post(f"{hub.base_url}/v1/sessions", json={"env": "nope"}, headers=headers),
        ]
    secret = hub.alice.split("_", 2)[2]
    for answer in answers:
        assert secret not in answer.text and secret not in str(answer.headers)
    assert secret not in caplog.text
    page = httpx.get(f"{hub.base_url}/").text + httpx.get(f"{hub.base_url}/openapi.json").text
    assert secret not in page
