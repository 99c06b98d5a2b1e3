"""The real small model (SmolLM2-135M-Instruct, llama.cpp) as a batching Ray actor."""

import pytest

from skillgym.clients.rollout import RolloutConfig, Status, TaskRef, rollout
from skillgym.clients.rollout.model_policy import ModelPolicy, actor_resources

pytest.importorskip("llama_cpp", reason="the model extra: pip install 'skillgym[model]'")
pytestmark = pytest.mark.usefixtures("ray_local")

SUM = TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")


def test_the_actor_asks_for_a_gpu_only_where_the_cluster_has_one() -> None:
    assert actor_resources({"CPU": 2.0}) == ({"num_cpus": 1, "num_gpus": 0}, 0)
    assert actor_resources({"CPU": 2.0, "GPU": 4.0}) == ({"num_cpus": 1, "num_gpus": 1}, -1)


def test_sixteen_concurrent_episodes_reach_the_model_in_batches(base_url: str) -> None:
    policy = ModelPolicy.named("smollm2", max_tokens=24, max_wait_ms=100)
    groups, summary = rollout(
        policy,
        [SUM],
        {"arithmetic": [base_url]},
        RolloutConfig(episodes=16, group_size=16, max_in_flight=16, deadline_s=300, max_turns=2),
    )
    stats = policy.stats()
    assert stats["mean_batch"] > 4, stats
    [group] = groups
    assert all(r.status is Status.COMPLETED for r in group.rollouts)
    for rollout_ in group.rollouts:
        assert len(rollout_.turns) == 3 and rollout_.truncated  # 2 turns, then submitted
        for turn in rollout_.turns[:2]:
            assert turn.prompt_token_ids and turn.completion_token_ids
            assert len(turn.logprobs or []) == len(turn.completion_token_ids)
            assert all(lp <= 0 for lp in turn.logprobs or [])
            assert turn.loss_mask == [1] * len(turn.completion_token_ids)
            assert turn.messages[-1]["role"] == "assistant"
