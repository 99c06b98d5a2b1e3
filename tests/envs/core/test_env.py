"""The environment contract, exercised on the arithmetic reference family."""

import json
import re

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import skillgym
from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.core.tasks import TaskCatalog, TaskLimits
from skillgym.errors import EpisodeStateError, RequestError, TaskNotFoundError

SUBMIT_NOTHING = json.dumps({"tool": "submit", "args": {}})
CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "1 + 1"}})


@pytest.mark.filterwarnings("error")  # Gymnasium reports soft failures as warnings
def test_check_env_passes_in_process():
    check_env(gym.make("skillgym/Arithmetic-v0", task="arithmetic/sum-list").unwrapped)


def test_gymnasium_make_gives_the_in_process_env():
    assert isinstance(gym.make("skillgym/Arithmetic-v0").unwrapped, ArithmeticEnv)
    assert skillgym.FAMILIES["arithmetic"].gym_id == "skillgym/Arithmetic-v0"


def test_reset_with_same_seed_gives_same_observation_and_info():
    first = ArithmeticEnv().reset(seed=11, options={"task": "arithmetic/shopping-receipt@1.0.0"})
    second = ArithmeticEnv().reset(seed=11, options={"task": "arithmetic/shopping-receipt@1.0.0"})
    assert first == second


def test_reset_with_another_seed_gives_another_problem():
    env = ArithmeticEnv(task="arithmetic/shopping-receipt")
    assert env.reset(seed=1)[0] != env.reset(seed=2)[0]


def test_reset_without_seed_records_the_seed_it_drew_so_the_episode_can_be_replayed():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    obs, info = env.reset()
    assert ArithmeticEnv(task="arithmetic/sum-list").reset(seed=info["seed"])[0] == obs


def test_reset_option_task_overrides_the_default_task():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    _, info = env.reset(seed=0, options={"task": "arithmetic/compound-interest"})
    assert info["task"] == "arithmetic/compound-interest@1.0.0"


def test_instruction_first_gives_the_instruction_at_reset_only():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    every, _ = env.reset(seed=3)
    first, _ = env.reset(seed=3, options={"instruction": "first"})
    assert first == every
    obs, *_ = env.step(CALCULATE)
    assert obs["instruction"] == ""
    obs, *_ = env.step(SUBMIT_NOTHING)
    assert obs["instruction"] == ""
    obs, _ = env.reset(seed=3)  # the default again: every observation
    assert env.step(CALCULATE)[0]["instruction"] == every["instruction"]


def test_an_unknown_instruction_mode_is_a_request_error():
    with pytest.raises(
        RequestError,
        match=re.escape("""options["instruction"]: Input should be 'every' or 'first'"""),
    ):
        ArithmeticEnv().reset(seed=0, options={"instruction": "never"})


def test_unknown_task_fails_at_construction_with_a_suggestion():
    with pytest.raises(TaskNotFoundError, match=re.escape("Did you mean arithmetic/sum-list?")):
        ArithmeticEnv(task="arithmetic/sum-lists")


def test_unknown_reset_option_is_a_request_error():
    with pytest.raises(RequestError, match=re.escape("unknown option 'colour'")):
        ArithmeticEnv().reset(seed=0, options={"colour": "red"})


def test_malformed_action_sets_last_action_error_and_the_episode_goes_on():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("{oops")
    assert obs["last_action_error"].startswith("Expects one JSON tool call")
    assert (reward, terminated, truncated) == (0.0, False, False)
    obs, *_ = env.step(CALCULATE)
    assert obs["last_action_error"] == ""
    assert obs["output"] == "1 + 1 = 2"


def test_impossible_action_sets_last_action_error():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    env.reset(seed=0)
    obs, *_ = env.step(json.dumps({"tool": "calculate", "args": {"expression": "1 / 0"}}))
    assert "Cannot compute '1 / 0'" in obs["last_action_error"]


def test_reward_is_zero_until_the_end_then_the_verification_score():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    env.reset(seed=5)
    _, reward, terminated, _, info = env.step(CALCULATE)
    assert (reward, terminated) == (0.0, False) and "verification" not in info
    _, reward, terminated, _, info = env.step(SUBMIT_NOTHING)
    assert terminated and reward == info["verification"].score == 0.0
    assert info["verification"].checks[0].detail == "no answer submitted"


def test_step_limit_ends_in_truncated_with_a_verdict():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    env.reset(seed=0)
    limit = env.episode.spec.limits.max_steps
    for _ in range(limit - 1):
        assert env.step(CALCULATE)[3] is False
    _, reward, terminated, truncated, info = env.step(CALCULATE)
    assert (terminated, truncated) == (False, True)
    assert info["truncated_by"] == f"max_steps ({limit})"
    assert info["verification"].success is False


def test_time_limit_ends_in_truncated():
    spec = TaskCatalog.load().resolve("arithmetic/sum-list")
    quick = spec.model_copy(update={"limits": TaskLimits(max_steps=50, max_seconds=1e-9)})
    env = ArithmeticEnv(catalog=TaskCatalog([quick]))
    env.reset(seed=0)
    _, _, terminated, truncated, info = env.step(CALCULATE)
    assert truncated and not terminated
    assert info["truncated_by"].startswith("max_seconds")


def test_step_before_reset_is_an_episode_state_error():
    with pytest.raises(EpisodeStateError, match=re.escape("Expects reset() before step()")):
        ArithmeticEnv().step(CALCULATE)


def test_step_after_the_end_is_an_episode_state_error():
    env = ArithmeticEnv()
    env.reset(seed=0)
    env.step(SUBMIT_NOTHING)
    with pytest.raises(
        EpisodeStateError, match=re.escape("Expects reset() after the episode ended")
    ):
        env.step(CALCULATE)


def test_close_is_safe_twice_and_refuses_reuse():
    env = ArithmeticEnv()
    env.reset(seed=0)
    env.close()
    env.close()
    with pytest.raises(EpisodeStateError, match="is closed"):
        env.reset(seed=0)


def test_info_holds_no_timings_so_episodes_replay_exactly():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    runs = []
    for _ in range(2):
        env.reset(seed=3)
        runs.append([env.step(a) for a in (CALCULATE, "{bad", SUBMIT_NOTHING)])
    assert runs[0] == runs[1]


def test_tools_are_published_as_json_schema():
    names = [t["function"]["name"] for t in ArithmeticEnv().tools]
    assert names == ["calculate", "submit"]


def test_render_ansi_shows_the_observation():
    env = ArithmeticEnv(task="arithmetic/sum-list", render_mode="ansi")
    env.reset(seed=0)
    assert env.render().startswith("## instruction\nAdd up these 8 integers")


@pytest.mark.parametrize("seed", [-1, True, 1.5, "7"])
def test_a_seed_that_is_not_a_non_negative_integer_is_a_request_error(seed):
    with pytest.raises(
        RequestError, match=re.escape(f"non-negative integer or None, actual value: {seed!r}")
    ):
        ArithmeticEnv().reset(seed=seed)


def test_a_huge_seed_is_fine():
    assert ArithmeticEnv().reset(seed=2**70)[1]["seed"] == 2**70


def test_a_family_missing_a_hook_fails_at_construction():
    from skillgym.envs.core.env import SkillGymEnv

    class HalfFamily(SkillGymEnv):
        family = "arithmetic"

        def observe(self):
            return {}

    with pytest.raises(TypeError, match="abstract method"):
        HalfFamily()


def test_a_reset_that_fails_leaves_no_episode_running():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    env.reset(seed=0)
    with pytest.raises(RequestError):
        env.reset(seed=1, options={"colour": "red"})
    with pytest.raises(EpisodeStateError, match=re.escape("Expects reset() before step()")):
        env.step(CALCULATE)
