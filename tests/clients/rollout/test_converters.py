import pytest

from skillgym.clients.rollout.converters import (
    MissingTokensError,
    grpo_advantages,
    to_skyrl,
    to_trl,
    to_verl,
    token_trajectory,
)
from skillgym.clients.rollout.trajectory import Group, Rollout, Status, Turn


def _turn(prompt: list[int], completion: list[int]) -> Turn:
    return Turn(
        observation={"instruction": "Add."},
        action="{}",
        prompt_token_ids=prompt,
        completion_token_ids=completion,
        logprobs=[-0.5] * len(completion),
        loss_mask=[1] * len(completion),
        messages=[{"role": "user", "content": "Add."}, {"role": "assistant", "content": "x"}],
    )


def _rollout(index: int, reward: float | None, status: Status = Status.COMPLETED) -> Rollout:
    turns = [_turn([1, 2], [3, 4]), _turn([1, 2, 3, 4, 9, 9], [5])]
    return Rollout(index=index, status=status, reward=reward, policy="model:smollm2", turns=turns)


def _group(*rollouts: Rollout, dropped: bool = False) -> Group:
    return Group(
        index=0,
        task="arithmetic/sum-list",
        version="1.0.0",
        family="arithmetic",
        seed=7,
        rollouts=list(rollouts),
        dropped="equal_rewards" if dropped else None,
    )


def test_tokens_go_in_and_out_as_generated_with_the_env_masked() -> None:
    tokens = token_trajectory(_rollout(0, 1.0))
    assert tokens.prompt_ids == [1, 2]
    assert tokens.response_ids == [3, 4, 9, 9, 5]
    assert tokens.loss_mask == [1, 1, 0, 0, 1]
    assert tokens.logprobs == [-0.5, -0.5, 0.0, 0.0, -0.5]


def test_verl_rows_carry_the_group_id_and_skip_what_did_not_complete() -> None:
    rows = to_verl([_group(_rollout(0, 1.0), _rollout(1, None, Status.ENV_ERROR))])
    assert len(rows) == 1
    assert rows[0]["uid"] == "arithmetic/sum-list@1.0.0#7/0"
    assert rows[0]["reward_score"] == 1.0 and rows[0]["num_turns"] == 2


def test_skyrl_batch_lists_are_aligned() -> None:
    out = to_skyrl([_group(_rollout(0, 1.0), _rollout(1, 0.0))])
    assert out["rewards"] == [1.0, 0.0]
    assert len(out["response_ids"]) == len(out["loss_masks"]) == len(out["prompt_token_ids"]) == 2
    assert all(
        len(r) == len(m) for r, m in zip(out["response_ids"], out["loss_masks"], strict=True)
    )


def test_dropped_groups_are_skipped_by_every_converter() -> None:
    dropped = _group(_rollout(0, 1.0), _rollout(1, 1.0), dropped=True)
    assert to_verl([dropped]) == [] and to_trl([dropped]) == []
    assert to_skyrl([dropped])["rewards"] == []


def test_grpo_advantages_centre_the_group_and_leave_failures_out() -> None:
    group = _group(_rollout(0, 1.0), _rollout(1, 0.0), _rollout(2, None, Status.TIMEOUT))
    high, low, failed = grpo_advantages(group)
    assert high == pytest.approx(1.0, abs=1e-5) and low == pytest.approx(-1.0, abs=1e-5)
    assert failed is None


def test_trl_rows_split_the_chat_at_the_first_answer() -> None:
    [row, _] = to_trl([_group(_rollout(0, 1.0), _rollout(1, 0.0))])
    assert row["prompt"] == [{"role": "user", "content": "Add."}]
    assert row["completion"][0]["role"] == "assistant"
    assert row["reward"] == 1.0 and row["advantage"] > 0


def test_a_scripted_rollout_becomes_a_chat_of_observations_and_actions() -> None:
    turn = Turn(
        observation={"instruction": "Add.", "last_action_error": ""}, action='{"tool": "submit"}'
    )
    rollout = Rollout(index=0, status=Status.COMPLETED, reward=1.0, policy="oracle", turns=[turn])
    [row] = to_trl([_group(rollout)])
    assert row["prompt"] == [{"role": "user", "content": "Add."}]
    assert row["completion"] == [{"role": "assistant", "content": '{"tool": "submit"}'}]


def test_token_shapes_need_token_ids() -> None:
    rollout = Rollout(
        index=0,
        status=Status.COMPLETED,
        reward=1.0,
        policy="oracle",
        turns=[Turn(observation={}, action="{}")],
    )
    with pytest.raises(MissingTokensError, match="token ids"):
        token_trajectory(rollout)
