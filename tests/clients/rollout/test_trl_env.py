"""Any family as a TRL environment_factory class, checked with transformers' schema reader."""

import json

import pytest

from skillgym.clients.rollout.trl_env import SkillGymTRLEnv, skillgym_reward, trl_environment
from skillgym.envs.core.episode import make_policy

TASK = "arithmetic/sum-list@1.0.0"


def test_each_tool_is_a_method_whose_schema_transformers_reads(base_url: str) -> None:
    utils = pytest.importorskip("transformers.utils")
    env_class = trl_environment("arithmetic", base_url)
    assert issubclass(env_class, SkillGymTRLEnv)
    schema = utils.get_json_schema(env_class.calculate)  # as TRL builds its tool list
    function = schema["function"]
    assert function["name"] == "calculate"
    assert function["parameters"]["properties"]["expression"]["type"] == "string"
    assert function["parameters"]["required"] == ["expression"]
    assert utils.get_json_schema(env_class.submit)["function"]["name"] == "submit"


def test_an_oracle_played_through_the_methods_earns_the_reward(base_url: str) -> None:
    env = trl_environment("arithmetic", base_url)()
    instruction = env.reset(task=TASK, seed=3)
    assert "Add up" in instruction
    oracle = make_policy("oracle", family="arithmetic", task=TASK, seed=3)
    answer = ""
    while not env.done:
        call = json.loads(oracle({}))
        answer = getattr(env, call["tool"])(**call["args"])
    assert answer == "The episode is over: reward 1."
    assert skillgym_reward([env]) == [1.0] and env.verification.success
    assert "over" in env.submit(answer="0")  # no more calls after the end
    env.reset(task=TASK, seed=4)
    assert (env.reward, env.done) == (0.0, False)
    env.close()


def test_an_argument_python_cannot_name_is_refused_with_its_name() -> None:
    from skillgym.clients.rollout.trl_env import _tool_method

    function = {"name": "book", "parameters": {"properties": {"class": {"type": "string"}}}}
    with pytest.raises(ValueError, match="'book' has an argument TRL cannot name: 'class'"):
        _tool_method(function)


def test_optional_arguments_keep_their_default_and_may_be_null() -> None:
    from skillgym.clients.rollout.trl_env import _tool_method

    function = {
        "name": "submit",
        "description": "Finish.",
        "parameters": {"properties": {"answer": {"anyOf": [{"type": "string"}, {"type": "null"}]}}},
    }
    method = _tool_method(function)
    parameter = method.__signature__.parameters["answer"]
    assert parameter.default is None and parameter.annotation == (str | None)
    assert method.__doc__.startswith("Finish.\n\nArgs:\n    answer: answer")
