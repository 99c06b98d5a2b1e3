"""Tokens on /v1/sessions, and settings that refuse an open server by accident."""

import re

import httpx
import pytest
from pydantic import ValidationError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from skillgym.clients import AsyncRemoteEnv, RemoteEnv
from skillgym.errors import ForbiddenError, UnauthorizedError
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def guarded():
    with BackgroundServer(ServerSettings(port=0, api_token=TOKEN)) as server:
        yield server.base_url


def test_serving_off_loopback_without_a_token_is_refused():
    with pytest.raises(ValidationError, match=re.escape("Serving on 0.0.0.0 without an API token")):
        ServerSettings(host="0.0.0.0")


@pytest.mark.parametrize(
    "settings",
    [
        {"host": "0.0.0.0", "api_token": "t"},
        {"host": "0.0.0.0", "allow_unauthenticated": True},
        {"host": "::1"},
    ],
)
def test_a_token_or_an_explicit_opt_out_or_loopback_is_accepted(settings):
    ServerSettings(**settings)


def test_sessions_without_a_token_are_401_with_a_hint(guarded):
    response = httpx.post(f"{guarded}/v1/sessions", json={"env": "arithmetic"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer <token>" in response.json()["error"]["message"]


def test_sessions_with_a_wrong_token_are_403(guarded):
    response = httpx.post(
        f"{guarded}/v1/sessions",
        json={"env": "arithmetic"},
        headers={"authorization": "Bearer nope"},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "not valid here: unknown, revoked or mistyped" in error["message"]


def test_the_catalogue_and_health_stay_public(guarded):
    for path in ("/healthz", "/v1/envs", "/v1/tasks", "/docs"):
        assert httpx.get(f"{guarded}{path}").status_code == 200, path


def test_a_websocket_without_the_token_is_refused_at_the_handshake(guarded):
    with pytest.raises(InvalidStatus) as refused:
        connect(guarded.replace("http", "ws") + "/v1/sessions/abc/ws").close()
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_remote_env_with_the_token_plays(guarded, transport):
    with RemoteEnv(guarded, env="arithmetic", token=TOKEN, transport=transport) as env:
        obs, info = env.reset(seed=1)
        assert info["seed"] == 1


def test_remote_env_takes_the_token_from_the_environment(guarded, monkeypatch):
    monkeypatch.setenv("SKILLGYM_API_TOKEN", TOKEN)
    with RemoteEnv(guarded, env="arithmetic") as env:
        assert env.reset(seed=2)[1]["seed"] == 2


def test_remote_env_raises_the_auth_errors(guarded, monkeypatch):
    monkeypatch.delenv("SKILLGYM_API_TOKEN", raising=False)
    with pytest.raises(UnauthorizedError), RemoteEnv(guarded, env="arithmetic") as env:
        env.reset()
    with pytest.raises(ForbiddenError), RemoteEnv(guarded, env="arithmetic", token="wrong") as env:
        env.reset()


@pytest.mark.parametrize("transport", ["http", "websocket"])
async def test_async_remote_env_with_the_token_plays(guarded, transport):
    async with AsyncRemoteEnv(guarded, env="arithmetic", token=TOKEN, transport=transport) as env:
        assert (await env.reset(seed=3))[1]["seed"] == 3


async def test_async_remote_env_raises_the_auth_errors(guarded, monkeypatch):
    monkeypatch.delenv("SKILLGYM_API_TOKEN", raising=False)
    with pytest.raises(ForbiddenError):
        await AsyncRemoteEnv(guarded, env="arithmetic", token="wrong").open()
