"""Rollouts on local Ray against real servers started for the test."""

import asyncio
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from skillgym.clients.rollout import (
    CallablePolicy,
    LocalReplicas,
    RolloutConfig,
    ScriptedPolicy,
    Status,
    TaskRef,
    WorkerPool,
    json_schema,
    read_groups,
    rollout,
)

pytestmark = pytest.mark.usefixtures("ray_local")

SUM = TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")
RECEIPT = TaskRef("arithmetic", "arithmetic/shopping-receipt", "1.0.0")


@pytest.fixture(scope="module")
def arithmetic_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalReplicas]:
    provider = LocalReplicas(2, log_dir=tmp_path_factory.mktemp("replica-logs"))
    provider.urls = provider.start(["arithmetic"])
    yield provider
    provider.stop()


def test_oracle_groups_complete_with_full_reward(
    arithmetic_replicas: LocalReplicas, tmp_path: Path
) -> None:
    out = tmp_path / "traj.jsonl"
    groups, summary = rollout(
        ScriptedPolicy("oracle"),
        [SUM, RECEIPT],
        arithmetic_replicas.urls,
        RolloutConfig(episodes=16, group_size=4, max_in_flight=8),
        out=out,
    )
    assert sorted(g.index for g in groups) == [0, 1, 2, 3]
    on_disk = read_groups(out)
    assert len(on_disk) == 4
    for group in on_disk:
        assert len(group.rollouts) == 4
        assert [r.index for r in group.rollouts] == [0, 1, 2, 3]
        assert all(r.status is Status.COMPLETED and r.reward == 1.0 for r in group.rollouts)
        assert all(r.turns and r.turns[-1].action for r in group.rollouts)
    for line in out.read_text().splitlines():
        jsonschema.validate(json.loads(line), json_schema())
    # both replicas of the family played
    assert {r.replica for g in on_disk for r in g.rollouts} == set(
        arithmetic_replicas.urls["arithmetic"]
    )
    assert summary.mean_reward == 1.0 and summary.statuses == {"completed": 16}


def test_groups_with_equal_rewards_are_marked_dropped_and_counted(
    arithmetic_replicas: LocalReplicas,
) -> None:
    groups, summary = rollout(
        ScriptedPolicy("noop"),
        [SUM],
        arithmetic_replicas.urls,
        RolloutConfig(episodes=4, group_size=2, drop_equal_rewards=True),
    )
    assert all(g.dropped == "equal_rewards" for g in groups)
    assert summary.groups_dropped == 2


def test_over_provisioning_keeps_the_first_g(arithmetic_replicas: LocalReplicas) -> None:
    groups, summary = rollout(
        ScriptedPolicy("oracle"),
        [SUM],
        arithmetic_replicas.urls,
        RolloutConfig(episodes=4, group_size=2, over_provision=2),
    )
    assert all(len(g.rollouts) == 2 and g.started == 4 for g in groups)
    assert summary.rollouts == 4


def test_rerun_plays_exactly_the_missing_groups(
    arithmetic_replicas: LocalReplicas, tmp_path: Path
) -> None:
    out = tmp_path / "traj.jsonl"
    config = RolloutConfig(episodes=12, group_size=2, max_in_flight=2)

    class Stop(Exception):
        pass

    def stop_after_three(group: object, summary: object) -> None:
        if len(read_groups(out)) >= 3:
            raise Stop

    with pytest.raises(Stop):
        rollout(
            ScriptedPolicy("oracle"),
            [SUM, RECEIPT],
            arithmetic_replicas.urls,
            config,
            out=out,
            on_group=stop_after_three,
        )
    first = {g.index for g in read_groups(out)}
    assert 3 <= len(first) < 6
    played, summary = rollout(
        ScriptedPolicy("oracle"), [SUM, RECEIPT], arithmetic_replicas.urls, config, out=out
    )
    assert {g.index for g in played} == set(range(6)) - first
    assert sorted(g.index for g in read_groups(out)) == list(range(6))
    assert summary.groups_resumed == len(first)


def test_a_killed_replica_costs_retries_never_an_episode(tmp_path: Path) -> None:
    provider = LocalReplicas(2, log_dir=tmp_path / "logs")
    urls = provider.start(["arithmetic"])
    victim_url = urls["arithmetic"][0]
    victim = provider.find(victim_url).handle

    async def slow_step(  # slow enough for the kill to land mid-episode
        observation: dict[str, str],
    ) -> str:
        await asyncio.sleep(0.05)
        return json.dumps({"tool": "submit", "args": {"answer": "0"}})

    killed = []

    def kill_after_first_group(group: object, summary: object) -> None:
        if not killed:
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(True)

    out = tmp_path / "traj.jsonl"
    try:
        groups, summary = rollout(
            CallablePolicy(slow_step, name="slow"),
            [SUM],
            urls,
            RolloutConfig(episodes=24, group_size=2, max_in_flight=8, attempts=3),
            out=out,
            on_group=kill_after_first_group,
        )
    finally:
        provider.stop()
    on_disk = read_groups(out)
    assert sorted(g.index for g in on_disk) == list(range(12))  # every group exactly once
    rollouts = [r for g in on_disk for r in g.rollouts]
    assert len(rollouts) == 24
    assert all(r.status in (Status.COMPLETED, Status.ENV_ERROR) for r in rollouts)
    assert all(r.reward is None for r in rollouts if r.status is Status.ENV_ERROR)
    # after the kill, the survivor played every episode that was retried
    retried = [r for r in rollouts if r.attempts > 1]
    assert retried, "the kill should have cost at least one attempt"
    assert all(r.replica != victim_url for r in retried if r.status is Status.COMPLETED)


def test_a_spent_turn_budget_submits_for_the_agent(arithmetic_replicas: LocalReplicas) -> None:
    calculate = json.dumps({"tool": "calculate", "args": {"expression": "1+1"}})
    groups, _ = rollout(
        CallablePolicy(lambda observation: calculate, name="calculator"),
        [SUM],
        arithmetic_replicas.urls,
        RolloutConfig(episodes=1, max_turns=3),
    )
    [played] = groups[0].rollouts
    assert [t.action for t in played.turns] == [calculate] * 3 + ['{"tool": "submit", "args": {}}']
    assert played.status is Status.COMPLETED and played.truncated
    assert played.reward == 0.0  # nothing was answered: the verdict says so


def test_a_killed_worker_is_restarted_and_its_episodes_played_again(
    arithmetic_replicas: LocalReplicas, tmp_path: Path
) -> None:
    import ray

    async def slow_submit(observation: dict[str, str]) -> str:
        await asyncio.sleep(0.05)
        return json.dumps({"tool": "submit", "args": {"answer": "0"}})

    policy = CallablePolicy(slow_submit, name="slow")
    pool = WorkerPool(policy, workers=2).ready()
    victim = ray.get(pool.actors[0].stats.remote())["pid"]
    killed: list[bool] = []

    def kill_a_worker(group: object, summary: object) -> None:
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(True)

    out = tmp_path / "traj.jsonl"
    try:
        rollout(
            policy,
            [SUM],
            arithmetic_replicas.urls,
            RolloutConfig(episodes=16, max_in_flight=8, attempts=3),
            out=out,
            on_group=kill_a_worker,
            pool=pool,
        )
        after = ray.get(pool.actors[0].stats.remote())["pid"]
    finally:
        pool.close()
    rollouts = [r for g in read_groups(out) for r in g.rollouts]
    assert sorted(g.index for g in read_groups(out)) == list(range(16))
    assert all(r.status is Status.COMPLETED for r in rollouts), [r.error for r in rollouts]
    assert any(r.attempts > 1 for r in rollouts)  # what the dead worker held was replayed
    assert after != victim  # Ray restarted it


def test_oracle_groups_of_four_earn_full_reward_in_every_family(tmp_path: Path) -> None:
    tasks = [
        TaskRef("flight", "flight/cancel-refundable", "1.1.0"),
        TaskRef("spreadsheet", "spreadsheet/loan-amortization", "1.1.0"),
        TaskRef("terminal", "terminal/cron-schedule", "1.1.0"),
    ]
    provider = LocalReplicas(2, log_dir=tmp_path / "logs")
    urls = provider.start(["flight", "spreadsheet", "terminal"])
    out = tmp_path / "traj.jsonl"
    try:
        groups, summary = rollout(
            ScriptedPolicy("oracle"),
            tasks,
            urls,
            RolloutConfig(episodes=12, group_size=4, max_in_flight=6, deadline_s=300),
            out=out,
        )
    finally:
        provider.stop()
    assert sorted(g.family for g in read_groups(out)) == ["flight", "spreadsheet", "terminal"]
    for group in read_groups(out):
        assert [r.reward for r in group.rollouts] == [1.0] * 4, [r.error for r in group.rollouts]
        assert {r.replica for r in group.rollouts} <= set(urls[group.family])
    for line in out.read_text().splitlines():
        jsonschema.validate(json.loads(line), json_schema())
