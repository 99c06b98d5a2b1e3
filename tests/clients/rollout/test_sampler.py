from collections import Counter

import pytest

from skillgym.clients.rollout.sampler import TaskRef, TaskSampler

A = TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")
B = TaskRef("arithmetic", "arithmetic/product", "1.0.0")
C = TaskRef("arithmetic", "arithmetic/mean", "1.0.0")


def test_same_seed_plans_the_same_groups() -> None:
    first = [TaskSampler([A, B], seed=5).draw(i) for i in range(20)]
    again = [TaskSampler([A, B], seed=5).draw(i) for i in range(20)]
    assert first == again
    assert first != [TaskSampler([A, B], seed=6).draw(i) for i in range(20)]


def test_uniform_goes_round_the_tasks_in_order() -> None:
    sampler = TaskSampler([A, B, C], seed=0)
    assert [sampler.draw(i).task for i in range(6)] == [A, B, C, A, B, C]


def test_seeds_come_from_the_given_list() -> None:
    sampler = TaskSampler([A], seed=0, seeds=[11, 12])
    assert {sampler.draw(i).seed for i in range(30)} == {11, 12}


def test_pass_rate_weighting_favours_tasks_sometimes_solved() -> None:
    sampler = TaskSampler([A, B, C], seed=0, weighting="pass_rate")
    sampler.observe(A.task_id, [True] * 40)  # always solved: little to learn
    sampler.observe(B.task_id, [True, False] * 20)  # half: the most to learn
    sampler.observe(C.task_id, [False] * 40)  # never solved
    drawn = Counter(sampler.draw(i).task for i in range(600))
    assert drawn[B] > 3 * drawn[A]
    assert drawn[B] > 3 * drawn[C]
    assert drawn[A] > 0 and drawn[C] > 0  # the floor keeps every task in play


def test_unknown_weighting_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match='"uniform" or "pass_rate"'):
        TaskSampler([A], weighting="greedy")  # type: ignore[arg-type]
