"""Every family's heuristic: a weak baseline between the random policy and the oracle.

Played in-process on seed 0 of tasks each heuristic gets partly right and tasks it
misses (the means over seeds 0-2 of every newest task are in docs/rollouts.md).
"""

from statistics import mean

import pytest

from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.tasks import TaskCatalog

CATALOG = TaskCatalog.load()
PLAYED = {
    "arithmetic": [spec.id for spec in CATALOG.latest("arithmetic")],
    "flight": ["flight/cheapest-nonstop", "flight/impossible-request"],
    "spreadsheet": ["spreadsheet/dcf-valuation", "spreadsheet/loan-amortization"],
    "terminal": ["terminal/sed-config-patch", "terminal/cron-schedule"],
}


def mean_reward(family: str, policy: str) -> float:
    """The policy's mean reward on the family's played tasks, seed 0."""
    env = env_class(family)()
    try:
        rewards = []
        for name in PLAYED[family]:
            task = CATALOG.resolve(name).ref
            chosen = make_policy(policy, family=family, task=task, seed=0)
            rewards.append(run_episode(env, chosen, task=task, seed=0).reward)
        return mean(rewards)
    finally:
        env.close()


@pytest.mark.parametrize("family", sorted(PLAYED))
def test_the_heuristic_scores_between_random_and_the_oracle(family: str) -> None:
    heuristic = mean_reward(family, "heuristic")
    assert mean_reward(family, "random") < heuristic < 1.0


def test_a_family_without_a_heuristic_says_so() -> None:
    from skillgym.envs.arithmetic import ArithmeticEnv
    from skillgym.envs.core.env import SkillGymEnv
    from skillgym.errors import SkillGymError

    class Plain(ArithmeticEnv):
        heuristic = SkillGymEnv.heuristic  # the base class's default: none

    with pytest.raises(SkillGymError, match="does not implement heuristic"):
        Plain().heuristic()
