"""The OpenAI-compatible policy against a real server: llama.cpp's, with SmolLM2."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillgym.clients.rollout import RolloutConfig, Status, TaskRef, rollout
from skillgym.clients.rollout.openai_policy import EndpointError, OpenAIPolicy
from skillgym.hub_server.runner import free_port

pytest.importorskip("llama_cpp.server", reason="the model extra: pip install 'skillgym[model]'")
pytestmark = pytest.mark.usefixtures("ray_local")

ONE_OF_EACH = [
    TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0"),
    TaskRef("flight", "flight/cancel-refundable", "1.1.0"),
    TaskRef("spreadsheet", "spreadsheet/loan-amortization", "1.1.0"),
    TaskRef("terminal", "terminal/cron-schedule", "1.1.0"),
]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from skillgym.clients.rollout.llama_engine import smollm2_path

    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(smollm2_path()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "8192",
        "--logits_all",
        "true",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait(proc, url + "/models", log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"llama.cpp's server exited: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise AssertionError(f"llama.cpp's server did not answer {url}")


def test_an_episode_of_each_family_keeps_the_servers_logprobs(
    llama_server: str, base_url: str
) -> None:
    policy = OpenAIPolicy(base_url=llama_server, model="smollm2", max_tokens=16)
    groups, summary = rollout(
        policy,
        ONE_OF_EACH,
        {t.family: [base_url] for t in ONE_OF_EACH},
        RolloutConfig(episodes=4, max_turns=1, deadline_s=600),
    )
    assert sorted(g.family for g in groups) == ["arithmetic", "flight", "spreadsheet", "terminal"]
    for group in groups:
        [played] = group.rollouts
        assert played.status is Status.COMPLETED, played.error
        turn = played.turns[0]
        assert turn.logprobs and all(lp <= 0 for lp in turn.logprobs)
        # llama.cpp's server returns tokens as text, not ids: kept as text
        assert turn.completion_tokens and len(turn.completion_tokens) == len(turn.logprobs)
        assert turn.completion_token_ids is None
        assert turn.messages[0]["role"] == "system" and turn.messages[-1]["role"] == "assistant"
        assert played.policy == f"openai:{llama_server}#smollm2"


async def test_an_endpoint_error_says_what_the_server_answered(llama_server: str) -> None:
    policy = OpenAIPolicy(base_url=llama_server + "/nowhere", model="smollm2")
    with pytest.raises(EndpointError, match="answered 404"):
        await policy.complete([{"role": "user", "content": "hi"}], [])
