"""Blunt strategies, played through the agent's tools, score below 0.5 on the current versions.

Each is one of the family's cheats (``cheats.py``, what ``skillgym validate`` plays),
replayed on seed 0 of the task's current version; where the version it replaced paid
the same strategy half the reward or more, that is asserted too, so each test shows the
hole it closes. The failed checks are asserted as well: the strategy was carried out as
named (an action that went wrong would fail other checks).
"""

from collections.abc import Iterator
from typing import Any

import pytest

from skillgym.envs.flight import FlightEnv


@pytest.fixture(scope="module")
def env() -> Iterator[FlightEnv]:
    environment = FlightEnv()
    yield environment
    environment.close()


def play(env: FlightEnv, task: str, cheat: str) -> dict[str, Any]:
    """Reset ``task`` on seed 0, play its cheat ``cheat`` cleanly to the end; the verdict."""
    env.reset(seed=0, options={"task": task})
    policy = env.cheats()[cheat]  # built from the episode, as validate builds it
    obs, _ = env.reset(seed=0, options={"task": task})
    while True:
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        assert obs["last_action_error"] == "", (cheat, obs["last_action_error"])
        if terminated or truncated:
            assert not truncated, (cheat, info.get("truncated_by"))
            return {**info["verification"].model_dump(), "reward": reward}


def failed(verdict: dict[str, Any]) -> set[str]:
    return {c["name"] for c in verdict["checks"] if not c["passed"]}


def assert_below_half(verdict: dict[str, Any]) -> None:
    assert verdict["reward"] < 0.5 and not verdict["success"], verdict


def test_cancelling_both_bookings_scores_below_half(env):
    new = play(env, "flight/cancel-refundable", "cancel-everything")
    assert failed(new) == {"others kept"}
    assert_below_half(new)
    old = play(env, "flight/cancel-refundable@1.0.1", "cancel-everything")
    assert failed(old) == {"others kept"} and old["reward"] >= 0.5


def test_booking_the_family_without_the_infant_scores_below_half(env):
    new = play(env, "flight/family-trip", "book-without-a-traveller")
    # the price is what the four requested travellers' fares come to, not the three booked
    assert failed(new) == {"travellers", "price"}
    assert_below_half(new)
    old = play(env, "flight/family-trip@1.0.1", "book-without-a-traveller")
    assert failed(old) == {"travellers"} and old["reward"] >= 0.5


def test_booking_a_seat_nobody_asked_for_scores_below_half(env):
    new = play(env, "flight/cheapest-nonstop", "book-with-an-unasked-seat")
    assert "seats" in failed(new) and failed(new) <= {"seats", "price"}
    assert_below_half(new)
    old = play(env, "flight/cheapest-nonstop@1.0.1", "book-with-an-unasked-seat")
    assert failed(old) == {"seats"} and old["reward"] >= 0.5


def test_changing_to_a_wrong_flight_then_to_the_right_one_scores_below_half(env):
    new = play(env, "flight/change-to-later-flight", "change-twice")
    assert failed(new) == {"change paid"}
    assert_below_half(new)
    old = play(env, "flight/change-to-later-flight@1.0.1", "change-twice")
    assert failed(old) == {"change paid"} and old["reward"] >= 0.5


def test_booking_two_candidates_scores_below_half(env):
    new = play(env, "flight/cheapest-nonstop", "book-two-candidates")
    assert failed(new) == {"one booking", "flights", "fare"}
    assert_below_half(new)
    old = play(env, "flight/cheapest-nonstop@1.0.1", "book-two-candidates")
    assert old["reward"] >= 0.5


def test_booking_anyway_and_stating_the_figure_scores_below_half(env):
    new = play(env, "flight/impossible-request", "book-and-answer")
    assert failed(new) == {"nothing booked"}
    assert_below_half(new)
    old = play(env, "flight/impossible-request@1.0.1", "book-and-answer")
    assert old["reward"] >= 0.5


@pytest.mark.parametrize(
    ("cheat", "fails"),
    [
        ("book-with-an-extra-bag", {"bags", "price"}),
        ("book-with-insurance", {"price"}),
        ("book-another-flight", {"flights", "fare"}),
        ("book-another-fare", {"fare"}),
    ],
)
def test_a_booking_with_one_thing_not_asked_for_scores_below_half(env, cheat, fails):
    verdict = play(env, "flight/return-within-budget", cheat)
    assert failed(verdict) == fails
    assert_below_half(verdict)


def test_every_kind_of_task_has_its_blunt_strategies(env):
    expected = {
        "flight/cheapest-nonstop": {"book-with-an-unasked-seat", "book-two-candidates"},
        "flight/family-trip": {"book-without-a-traveller", "book-with-an-extra-bag"},
        "flight/cancel-refundable": {"cancel-everything"},
        "flight/change-to-later-flight": {"cancel-everything", "change-twice"},
        "flight/impossible-request": {"book-and-answer"},
    }
    for task, names in expected.items():
        env.reset(seed=0, options={"task": task})
        assert names | {"claim-success"} <= set(env.cheats()), task
