"""RemoteEnv and AsyncRemoteEnv are twins: the same moments, calls, names and attributes."""

import asyncio
import inspect
import json
import re
import subprocess
import sys

import aiohttp
import httpx

from skillgym.clients import AsyncRemoteEnv, RemoteEnv
from tests.clients.sessions import SUBMIT, open_count

EPISODE_CALLS = [
    ("GET", "/v1/envs/arithmetic"),
    ("POST", "/v1/sessions"),
    ("POST", "/v1/sessions/{id}/reset"),
    ("POST", "/v1/sessions/{id}/step"),
    ("DELETE", "/v1/sessions/{id}"),
]


def without_session_id(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (method, re.sub(r"/v1/sessions/[^/]+", "/v1/sessions/{id}", path)) for method, path in calls
    ]


def test_sync_and_async_clients_open_the_session_at_the_same_moment(base_url):
    before = open_count(base_url)
    sync_counts = []
    with RemoteEnv(base_url, env="arithmetic") as env:
        sync_counts.append(open_count(base_url) - before)
        env.reset(seed=1)
        sync_counts.append(open_count(base_url) - before)
    sync_counts.append(open_count(base_url) - before)

    async def play_async() -> list[int]:
        counts = []
        async with AsyncRemoteEnv(base_url, env="arithmetic") as env:
            counts.append(open_count(base_url) - before)
            await env.reset(seed=1)
            counts.append(open_count(base_url) - before)
        counts.append(open_count(base_url) - before)
        return counts

    assert sync_counts == asyncio.run(play_async()) == [0, 1, 0]


def test_sync_and_async_clients_send_the_same_calls_and_describe_one_family(base_url):
    sync_calls: list[tuple[str, str]] = []

    def record(request: httpx.Request) -> None:
        sync_calls.append((request.method, request.url.path))

    with (
        httpx.Client(event_hooks={"request": [record]}) as http,
        RemoteEnv(base_url, env="arithmetic", http_session=http) as env,
    ):
        env.reset(seed=4)
        env.step(SUBMIT)

    async def play_async() -> list[tuple[str, str]]:
        calls: list[tuple[str, str]] = []

        async def on_request_start(_session, _context, params) -> None:
            calls.append((params.method, params.url.path))

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_request_start)
        async with (
            aiohttp.ClientSession(trace_configs=[trace]) as http,
            AsyncRemoteEnv(base_url, env="arithmetic", http_session=http) as env,
        ):
            await env.reset(seed=4)
            await env.step(SUBMIT)
        return calls

    async_calls = asyncio.run(play_async())
    assert without_session_id(sync_calls) == without_session_id(async_calls) == EPISODE_CALLS


def public_names(cls: type) -> set[str]:
    own = [k for k in cls.__mro__ if k.__module__.startswith("skillgym.clients")]
    return {name for k in own for name in vars(k) if not name.startswith("_")}


def test_sync_and_async_clients_have_the_same_methods_and_arguments():
    assert public_names(RemoteEnv) - {"metadata"} == public_names(AsyncRemoteEnv)
    for name in ("open", "reset", "step", "artifact", "close"):
        sync_args = inspect.signature(getattr(RemoteEnv, name)).parameters
        async_args = inspect.signature(getattr(AsyncRemoteEnv, name)).parameters
        assert sync_args == async_args, name
    assert inspect.iscoroutinefunction(AsyncRemoteEnv.step)


async def test_sync_and_async_clients_hold_the_same_attributes(base_url):
    def public_attributes(env: object) -> dict[str, str]:
        return {k: type(v).__name__ for k, v in vars(env).items() if not k.startswith("_")}

    with RemoteEnv(base_url, env="arithmetic", task="arithmetic/sum-list") as sync_env:
        sync_env.reset(seed=0)
        sync_attributes = public_attributes(sync_env)
    async with AsyncRemoteEnv(base_url, env="arithmetic", task="arithmetic/sum-list") as env:
        await env.reset(seed=0)
        async_attributes = public_attributes(env)
    assert sync_attributes == async_attributes


def modules_after(code: str) -> list[str]:
    """The top-level modules a fresh interpreter holds after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def test_importing_the_sync_client_does_not_import_aiohttp():
    assert "aiohttp" not in modules_after(
        "import skillgym.clients\n"
        "import skillgym.clients.remote_env\n"
        "from skillgym.clients import RemoteEnv, RetryPolicy, Timeout"
    )
    assert "aiohttp" in modules_after("from skillgym.clients import AsyncRemoteEnv")
