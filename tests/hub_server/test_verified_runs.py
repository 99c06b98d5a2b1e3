"""Verified runs over HTTP: the hub plays each slot in its own session and records the verdict.

On SQLite and on PostgreSQL. A client plays; it never reports a reward, so it cannot
forge one. Seeds stay hidden until the run ends, then anyone can check and replay them.
"""

import json

import httpx
import pytest

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy
from skillgym.envs.core.registry import make_local_env
from skillgym.errors import ForbiddenError, RequestError, RunStateError
from skillgym.hub_server.scores.seeds import verify_commitment
from skillgym.hub_server.scores.store import ScoreStore
from skillgym.hub_server.scores.tokens import Principal

ADMIN = Principal("test", frozenset({"admin"}))


def start_run(hub, token, **fields):
    body = {"suite": "mini", "policy": {"name": "p", "version": "1"}, **fields}
    response = httpx.post(f"{hub.base_url}/v1/runs", json=body, headers=hub.headers(token))
    assert response.status_code == 201, response.text
    return response.json()


def get_run(hub, run_id):
    return httpx.get(f"{hub.base_url}/v1/runs/{run_id}").json()


def play_slot(hub, token, run_id, slot, policy="oracle", seed_for_oracle=None):
    """Play one slot on the hub; the oracle needs the seed, so a test hands it over."""
    with RemoteEnv(hub.base_url, env="arithmetic", token=token, transport="http") as env:
        observation, info = env.reset(options={"run": {"id": run_id, "slot": slot}})
        task = info["task"]
        act = make_policy(policy, family="arithmetic", task=task, seed=seed_for_oracle or 0)
        terminated = truncated = False
        while not (terminated or truncated):
            observation, reward, terminated, truncated, info = env.step(act(observation))
        return info


def hidden_seed(hub, run_id, slot):
    """What only the hub knows while the run plays (read from its database, as a test may)."""
    return ScoreStore(hub.tokens.database).claim_slot(run_id, slot, ADMIN).seed


def test_the_hub_records_the_verdict_its_own_session_computed(running_hub):
    run = start_run(running_hub, running_hub.alice)
    seed = hidden_seed(running_hub, run["id"], 0)
    info = play_slot(running_hub, running_hub.alice, run["id"], 0, seed_for_oracle=seed)
    assert info["run"] == {"id": run["id"], "slot": 0, "recorded": True, "run_finished": False}
    play_slot(running_hub, running_hub.alice, run["id"], 1, policy="noop")
    episodes = get_run(running_hub, run["id"])["episodes"]
    assert [(e["slot"], e["reward"], e["success"], e["verified"]) for e in episodes] == [
        (0, 1.0, True, True),
        (1, 0.0, False, True),
    ]
    assert episodes[0]["verification"]["checks"]


def test_a_client_cannot_make_an_episode_verified_by_claiming_a_reward(running_hub):
    hub, headers = running_hub, running_hub.headers(running_hub.alice)
    run = start_run(hub, hub.alice)
    claimed = {"task": "arithmetic/sum-list@1.0.0", "reward": 1.0, "success": True}
    upload = httpx.post(
        f"{hub.base_url}/v1/runs/{run['id']}/episodes",
        json={"episodes": [claimed]},
        headers=headers,
    )
    assert upload.status_code == 409 and upload.json()["error"]["code"] == "run_state"
    inline = httpx.post(
        f"{hub.base_url}/v1/runs",
        json={"suite": "mini", "policy": {"name": "p"}, "episodes": [claimed]},
        headers=headers,
    )
    assert inline.status_code == 409
    # A forged verification sent as an action is just a wrong action to the env.
    with RemoteEnv(hub.base_url, env="arithmetic", token=hub.alice, transport="http") as env:
        env.reset(options={"run": {"id": run["id"], "slot": 0}})
        forged = json.dumps({"tool": "submit", "args": {"answer": "0"}, "reward": 1.0})
        observation, *_, terminated, _, _ = env.step(forged)
        assert not terminated and observation["last_action_error"]
        env.step(json.dumps({"tool": "submit", "args": {"answer": "-1"}}))
    episode = get_run(hub, run["id"])["episodes"]
    assert [(e["reward"], e["success"]) for e in episode] == [(0.0, False)]
    # An upload is kept, unverified, and never ranked with verified runs.
    uploaded = httpx.post(
        f"{hub.base_url}/v1/runs",
        json={
            "suite": "mini",
            "policy": {"name": "claims"},
            "verified": False,
            "episodes": [claimed],
        },
        headers=headers,
    ).json()
    assert uploaded["verified"] is False and uploaded["episodes"][0]["verified"] is False
    board = httpx.get(f"{hub.base_url}/v1/leaderboard", params={"suite": "mini"}).json()
    assert board["entries"] == [] and [e["policy"]["name"] for e in board["unverified"]] == [
        "claims"
    ]


def test_hidden_seeds_are_not_readable_before_the_run_ends(running_hub):
    hub = running_hub
    run = start_run(hub, hub.alice)
    seeds = [hidden_seed(hub, run["id"], s) for s in range(4)]
    texts = []
    with RemoteEnv(hub.base_url, env="arithmetic", token=hub.alice, transport="http") as env:
        observation, info = env.reset(options={"run": {"id": run["id"], "slot": 0}})
        assert "seed" not in info
        texts.append(json.dumps([observation, info]))
        texts.append(httpx.get(f"{hub.base_url}/v1/sessions/{env.session_id}").text)
        *_, info = env.step(json.dumps({"tool": "submit", "args": {"answer": "0"}}))
        assert "seed" not in info
        texts.append(json.dumps(info, default=str))
    running = httpx.get(f"{hub.base_url}/v1/runs/{run['id']}").json()
    assert running["seeds"] is None and running["seed_salt"] is None
    assert all(e["seed"] is None for e in running["episodes"])
    texts.append(json.dumps(running))
    for text in texts:
        assert not any(str(seed) in text for seed in seeds), text

    finished = httpx.post(
        f"{hub.base_url}/v1/runs/{run['id']}/finish", headers=hub.headers(hub.alice)
    ).json()
    assert finished["seeds"] == seeds
    assert verify_commitment(finished["seed_salt"], finished["seeds"], run["seed_commitment"])


def test_anyone_can_replay_an_episode_from_its_revealed_seed(running_hub):
    hub = running_hub
    run = start_run(hub, hub.alice)
    play_slot(hub, hub.alice, run["id"], 2, policy="noop")
    finished = httpx.post(
        f"{hub.base_url}/v1/runs/{run['id']}/finish", headers=hub.headers(hub.alice)
    ).json()
    episode = finished["episodes"][0]
    transcript = httpx.get(
        f"{hub.base_url}/v1/runs/{run['id']}/episodes/2/artifacts/transcript.json"
    ).json()
    local = make_local_env("arithmetic")
    observation, _ = local.reset(
        seed=episode["seed"], options={"task": f"{episode['task']}@{episode['version']}"}
    )
    assert transcript[0]["observation"] == observation
    assert [step["action"] for step in transcript[1:]] and episode["steps"] == len(transcript) - 1


def test_a_slot_is_played_by_its_runs_submitter_once(running_hub):
    hub = running_hub
    run = start_run(hub, hub.alice)
    with pytest.raises(ForbiddenError, match="belongs to 'alice'"):
        play_slot(hub, hub.bob, run["id"], 0, policy="noop")
    play_slot(hub, hub.alice, run["id"], 0, policy="noop")
    with pytest.raises(RunStateError, match="has been played"):
        play_slot(hub, hub.alice, run["id"], 0, policy="noop")


def test_a_slot_plays_its_own_task_and_seed(running_hub):
    hub = running_hub
    run = start_run(hub, hub.alice)
    with RemoteEnv(hub.base_url, env="arithmetic", token=hub.alice, transport="http") as env:
        with pytest.raises(RequestError, match="send no seed"):
            env.reset(seed=7, options={"run": {"id": run["id"], "slot": 0}})
        with pytest.raises(RequestError, match=r"plays arithmetic/sum-list@1\.0\.0"):
            env.reset(
                options={
                    "run": {"id": run["id"], "slot": 0},
                    "task": "arithmetic/compound-interest",
                }
            )
        with pytest.raises(RequestError, match="slot of run"):
            env.reset(options={"run": {"id": run["id"], "slot": 99}})


def test_a_reference_run_needs_an_admin_and_shows_its_seeds(running_hub):
    hub = running_hub
    refused = httpx.post(
        f"{hub.base_url}/v1/runs",
        json={"suite": "mini", "policy": {"name": "oracle"}, "reference": True},
        headers=hub.headers(hub.alice),
    )
    assert refused.status_code == 403
    run = start_run(hub, hub.admin, reference=True)
    with RemoteEnv(hub.base_url, env="arithmetic", token=hub.admin, transport="http") as env:
        _, info = env.reset(options={"run": {"id": run["id"], "slot": 0}})
    assert info["seed"] == hidden_seed(hub, run["id"], 0)


def test_a_newer_attempt_takes_a_slot_over_and_the_older_verdict_does_not_count(running_hub):
    hub = running_hub
    run = start_run(hub, hub.alice)
    submit = json.dumps({"tool": "submit", "args": {"answer": "-1"}})
    with (
        RemoteEnv(hub.base_url, env="arithmetic", token=hub.alice, transport="http") as crashed,
        RemoteEnv(hub.base_url, env="arithmetic", token=hub.alice, transport="http") as retry,
    ):
        crashed.reset(options={"run": {"id": run["id"], "slot": 0}})
        retry.reset(options={"run": {"id": run["id"], "slot": 0}})
        *_, late = crashed.step(submit)
        *_, counted = retry.step(submit)
    assert late["run"]["recorded"] is False and "newer attempt" in late["run"]["reason"]
    assert counted["run"]["recorded"] is True
    (episode,) = get_run(hub, run["id"])["episodes"]
    assert episode["attempt"] == 2
