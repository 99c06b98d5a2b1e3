import json
from decimal import Decimal

import pytest

from skillgym.envs.arithmetic import ArithmeticEnv
from skillgym.envs.arithmetic.env import parse_answer


def submit(answer):
    return json.dumps({"tool": "submit", "args": {"answer": answer}})


@pytest.mark.parametrize(("text", "value"), [("$1,234.50", "1234.5"), (" 42 ", "42"), ("-7", "-7")])
def test_answers_are_read_leniently(text, value):
    assert parse_answer(text) == Decimal(value)


@pytest.mark.parametrize("text", ["forty-two", "", "NaN", "Infinity", None])
def test_non_numbers_are_not_answers(text):
    assert parse_answer(text) is None


def test_money_answers_within_half_a_cent_pass_and_a_cent_off_fails():
    env = ArithmeticEnv(task="arithmetic/shopping-receipt")
    env.reset(seed=4)
    right = env._problem.answer
    assert env.step(submit(f"${right:,}"))[1] == 1.0
    env.reset(seed=4)
    _, reward, _, _, info = env.step(submit(str(right + Decimal("0.01"))))
    assert reward == 0.0
    assert info["verification"].checks[0].detail == "off by 0.01"


def test_calculator_output_is_shown_in_the_observation():
    env = ArithmeticEnv(task="arithmetic/sum-list")
    env.reset(seed=0)
    obs, *_ = env.step(
        json.dumps({"tool": "calculate", "args": {"expression": "round(10 / 3, 4)"}})
    )
    assert obs["output"] == "round(10 / 3, 4) = 3.3333"
