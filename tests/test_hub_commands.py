"""``skillgym tokens``, ``skillgym leaderboard`` and ``skillgym eval``, run as a user runs them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skillgym.envs.core.protocol import PolicyRef
from skillgym.envs.core.suites import Suite
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.store import EpisodeResult, ScoreStore
from skillgym.hub_server.scores.tokens import Principal, TokenStore
from tests.conftest import start_hub


def skillgym(*args: str, env: dict[str, str] | None = None, check: bool = True):
    result = subprocess.run(
        [sys.executable, "-m", "skillgym.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "160", **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


def test_tokens_create_prints_the_secret_once_and_list_never_shows_it(database):
    created = skillgym(
        "tokens", "create", "--scope", "submit", "--name", "ci", "--database-url", database
    )
    secret = created.stdout.strip()
    assert secret.startswith("sgk_") and "shown once" in created.stderr
    assert TokenStore(Database.open(database)).authenticate(secret).name == "ci"
    listed = skillgym("tokens", "list", "--database-url", database).stdout
    assert "ci" in listed and "submit" in listed and secret.split("_", 2)[2] not in listed


def test_tokens_revoke_refuses_the_token_from_then_on(database):
    _, secret = TokenStore(Database.open(database)).create("ci", ["submit"])
    token_id = secret.split("_")[1]
    skillgym("tokens", "revoke", token_id, "--database-url", database)
    assert TokenStore(Database.open(database)).authenticate(secret) is None
    again = skillgym("tokens", "revoke", token_id, "--database-url", database, check=False)
    assert again.returncode == 1 and "No live token" in again.stderr


def test_a_token_with_an_unknown_scope_is_refused_with_the_scopes_there_are(database):
    result = skillgym(
        "tokens", "create", "--scope", "root", "--database-url", database, check=False
    )
    assert result.returncode != 0 and "submit, admin" in result.stderr


def test_leaderboard_prints_the_ranking_with_intervals(database, tmp_path):
    store = ScoreStore(Database.open(database))
    suite = Suite(name="mini", tasks=["arithmetic/sum-list@1.0.0"], seeds=[0, 1])
    alice = Principal("alice", frozenset({"submit"}), "a")
    for name, rewards in (("steady", [0.5, 0.5]), ("sharp", [1.0, 0.5])):
        run = store.create_run(suite, PolicyRef(name=name, version="7"), alice)
        for slot, reward in enumerate(rewards):
            claim = store.claim_slot(run.id, slot, alice)
            store.record(
                claim, EpisodeResult(reward=reward, success=reward == 1.0, steps=1, seconds=0.1)
            )
        store.finish_if_complete(run.id)
    with start_hub(database, tmp_path) as hub:
        shown = skillgym("leaderboard", "--hub", hub.base_url, "--suite", "mini").stdout
    assert "mini: verified, ranked" in shown
    assert shown.index("sharp") < shown.index("steady") or shown.index("steady") < shown.index(
        "sharp"
    )
    assert "0.500 (0.500-0.500)" in shown and f"{hub.base_url}/?suite=mini" in shown


def test_eval_plays_a_suite_through_the_hub_and_prints_the_run_page(database, tmp_path):
    with start_hub(database, tmp_path) as hub:
        result = skillgym(
            "eval",
            "--suite",
            "mini",
            "--policy",
            "noop",
            "--hub",
            hub.base_url,
            "--episodes-per-task",
            "1",
            "--workers",
            "1",
            "--quiet",
            "--out",
            str(tmp_path / "eval.jsonl"),
            env={"SKILLGYM_API_TOKEN": hub.alice},
        )
        run_id = result.stdout.split("page: ")[1].strip().rsplit("/", 1)[1]
        run = ScoreStore(Database.open(database)).run(run_id)
    assert run.status == "finished" and len(run.episodes) == 2
    assert all(e.verified for e in run.episodes)
    assert "mean 0.000" in result.stdout and (tmp_path / "eval.jsonl").is_file()
