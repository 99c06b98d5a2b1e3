"""Evaluations through a hub: a verified run played with the rollout engine, resumable."""

import asyncio
from pathlib import Path

import pytest

from skillgym.clients.hub_client import HubClient
from skillgym.clients.rollout.evaluation import EvalConfig, evaluate
from skillgym.clients.rollout.policy import EpisodeContext
from skillgym.clients.rollout.scripted import ScriptedPolicy
from tests.conftest import start_hub

pytestmark = pytest.mark.usefixtures("ray_local")


class Interrupted(Exception):
    """Stands for Ctrl-C in the middle of an evaluation."""


@pytest.fixture
def hub(tmp_path: Path):
    with start_hub(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path) as running:
        yield running


def test_an_evaluation_plays_every_slot_on_the_hub_and_finishes_the_run(hub, tmp_path):
    config = EvalConfig(suite="mini", episodes_per_task=2, workers=1, max_in_flight=4)
    result = evaluate(
        ScriptedPolicy("heuristic"),
        hub=hub.base_url,
        token=hub.alice,
        config=config,
        state_path=tmp_path / "eval.run.json",
        out=tmp_path / "eval.jsonl",
    )
    run = result.run
    assert (result.played, result.failed, run.status) == (4, [], "finished")
    assert sorted(e.slot for e in run.episodes) == [0, 1, 2, 3]
    assert all(e.verified and e.seed is not None for e in run.episodes)
    assert run.score.episodes == 4
    assert not (tmp_path / "eval.run.json").exists()  # finished: the next call starts anew
    board = HubClient(hub.base_url).leaderboard("mini")
    assert [e.run_id for e in board.entries] == [run.id]


def test_an_interrupted_evaluation_continues_its_run(hub, tmp_path):
    config = EvalConfig(suite="mini", episodes_per_task=2, workers=1, max_in_flight=1)
    state = tmp_path / "eval.run.json"

    def stop_after_one(slot, rollout):
        raise Interrupted

    with pytest.raises(Interrupted):
        evaluate(
            ScriptedPolicy("noop"),
            hub=hub.base_url,
            token=hub.alice,
            config=config,
            state_path=state,
            on_episode=stop_after_one,
        )
    assert state.exists()
    started = HubClient(hub.base_url).run(_run_id(state))
    # the episode after the first may end before the interruption reaches the loop
    recorded = len(started.episodes)
    assert started.status == "running" and 1 <= recorded < 4

    result = evaluate(
        ScriptedPolicy("noop"), hub=hub.base_url, token=hub.alice, config=config, state_path=state
    )
    assert result.run.id == started.id
    assert (result.resumed, result.played) == (recorded, 4 - recorded)
    assert sorted(e.slot for e in result.run.episodes) == [0, 1, 2, 3]
    assert result.run.status == "finished"


def _run_id(state: Path) -> str:
    import json

    return json.loads(state.read_text())["run_id"]


def test_the_oracle_asks_for_a_reference_run_when_the_seed_is_hidden():
    context = EpisodeContext(
        family="arithmetic", task="arithmetic/sum-list", version="1.0.0", seed=None, tools=[]
    )
    agent = ScriptedPolicy("oracle").agent(context)
    with pytest.raises(ValueError, match="reference run"):
        asyncio.run(agent.act({"instruction": "", "last_action_error": ""}))
