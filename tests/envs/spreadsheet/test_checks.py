"""The verification as a person reads it: every check says what was expected and what was found.

The contract: each check's ``expected`` and ``actual`` are non-empty text in the units
the agent sees in its view (numbers as a person writes them, dates as dates), never
None and never float noise such as ``-5.68e-14`` for a value that is zero.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from skillgym.envs.core.episode import run_episode
from skillgym.envs.core.policies import noop_policy
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.spreadsheet import SpreadsheetEnv
from skillgym.envs.spreadsheet.scenario import write_call
from tests.envs.episodes import contract_breaches, play_oracle, unreadable

TASKS = [spec.ref for spec in TaskCatalog.load().latest("spreadsheet")]
DATED = re.compile(r"\d{5} \(\d{4}-\d{2}-\d{2}\)")


@pytest.fixture(scope="module")
def env() -> Iterator[SpreadsheetEnv]:
    environment = SpreadsheetEnv()
    yield environment
    environment.close()


def by_name(verification: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [c for c in verification.checks if c.name.startswith(prefix)]


def play(env: SpreadsheetEnv, task: str, seed: int, actions: list[dict]) -> dict[str, Any]:
    """Reset, play ``actions`` (each must succeed), submit; the verification."""
    env.reset(seed=seed, options={"task": task})
    for action in [*actions, {"tool": "submit", "args": {}}]:
        obs, _, terminated, _, info = env.step(json.dumps(action))
        assert terminated or obs["last_action_error"] == "", obs["last_action_error"]
    return info["verification"]


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("seed", [0, 1])
def test_every_check_of_a_noop_states_expected_and_actual_readably(env, task, seed):
    # the oracle's checks are held to the same contract in test_tasks.py (play_oracle)
    noop = run_episode(env, noop_policy, task=task, seed=seed).verification
    assert contract_breaches(noop) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0, -5.684341886e-14, 0", "exponent"),
        ("6.49e-08", "exponent"),
        ("215.237988012345", "significant"),
        ("", "non-empty"),
        (None, "non-empty"),
    ],
)
def test_the_contract_catches_float_noise_and_missing_text(text, reason):
    assert reason in unreadable(text)


@pytest.mark.parametrize(
    ("task", "name"),
    [
        ("spreadsheet/three-statement-model", "value: balance check"),
        ("spreadsheet/three-statement-model@1.0.1", "sensitivity 2: balance check"),
    ],
)
def test_a_value_that_is_zero_within_tolerance_prints_as_zero(env, task, name):
    # Seed 0's balance check is zero in exact arithmetic; its float truth is +-1.1e-13.
    verification = play_oracle(env, task, 0)
    (check,) = by_name(verification, name)
    assert check.expected == "0, 0, 0" and check.actual == "0, 0, 0"


def test_dates_are_shown_as_dates_in_values_and_in_the_inputs_a_sensitivity_check_moved(env):
    verification = play_oracle(env, "spreadsheet/loan-amortization", 0)
    (dates,) = by_name(verification, "value: payment dates")
    assert DATED.match(dates.expected) and DATED.match(dates.actual), dates
    # the first verifier's changes are fixed: its second moves the first payment date
    verification = play_oracle(env, "spreadsheet/loan-amortization@1.0.1", 0)
    moved = by_name(verification, "sensitivity 2: payment dates")[0]
    assert re.search(r"FirstPayment \d{5} \(\d{4}-\d{2}-\d{2}\) -> \d{5} \(", moved.detail)


def test_pasted_constants_are_described_as_constants_that_did_not_move(env):
    env.reset(seed=0, options={"task": "spreadsheet/dcf-valuation"})
    cheat = env.cheats()["paste-constants"]
    obs: dict = {}
    while True:
        obs, _, terminated, truncated, info = env.step(cheat(obs))
        if terminated or truncated:
            break
    verification = info["verification"]
    (single,) = by_name(verification, "formula: enterprise value")
    assert single.expected == "a formula"
    assert re.fullmatch(r"a constant \d+(\.\d+)?", single.actual), single.actual
    (row,) = by_name(verification, "formula: unlevered FCF")
    assert row.expected == "formulas in all 5 cells"
    assert row.actual.startswith("5 of 5 cells are not formulas: Model!C10=")
    (moved,) = by_name(verification, "sensitivity: enterprise value")
    assert moved.actual.endswith("(unchanged: it did not move with the inputs)")
    assert re.match(r"change 1 of \d, with \w+ [\d.]+ -> [\d.]+", moved.detail), moved.detail


def test_an_empty_output_is_reported_as_empty(env):
    verification = run_episode(
        env, noop_policy, task="spreadsheet/dcf-valuation", seed=0
    ).verification
    (single,) = by_name(verification, "value: enterprise value")
    assert single.actual == "empty"
    (row,) = by_name(verification, "value: unlevered FCF")
    assert row.actual == "all 5 cells empty"
    (formula,) = by_name(verification, "formula: enterprise value")
    assert formula.actual == "an empty cell"


def test_a_failed_value_check_names_the_first_cell_that_differs(env):
    task = "spreadsheet/dcf-valuation"
    env.reset(seed=0, options={"task": task})
    solution = [json.loads(action) for action in env._scenario.solution_actions()]
    wrong = {"tool": "write_cells", "args": {"sheet": "Model", "cells": {"F10": "=E10+1"}}}
    verification = play(env, task, 0, [*solution, wrong])
    (check,) = by_name(verification, "value: unlevered FCF")
    assert not check.passed
    assert re.fullmatch(
        r"1 of 5 cells differ, the first at Model!F10: expected -?[\d.]+, found -?[\d.]+ "
        r"\(tolerance ±[\d.]+\)",
        check.detail,
    ), check.detail


def test_every_row_asked_for_is_checked_and_an_empty_one_is_essential(env):
    verification = run_episode(
        env, noop_policy, task="spreadsheet/dcf-valuation", seed=0
    ).verification
    formulas = by_name(verification, "formula: ")
    rows = {c.name.split(": ", 1)[1].split(" (")[0] for c in formulas}
    assert {"revenue, years 1-5", "NOPAT, years 1-5", "PV of FCF, years 1-5"} <= rows
    assert len(formulas) == 16 and all(c.essential and not c.passed for c in formulas)
    assert not any(c.essential for c in by_name(verification, "value: "))


def test_a_row_its_successor_does_not_read_fails_the_link_that_holds_it(env):
    # EV straight from FCF and factors (verifier 1's oracle) leaves the PV row unread
    task = "spreadsheet/dcf-valuation"
    env.reset(seed=0, options={"task": task})
    solution = [json.loads(action) for action in env._scenario.solution_actions()]
    around = {"C16": "=SUMPRODUCT(C10:G10,C11:G11)+G15"}
    verification = play(env, task, 0, [*solution, write_call("Model", around)])
    (link,) = by_name(verification, "link: Model!C12 ")
    assert link.name == "link: Model!C12 (PV of FCF, years 1-5) feeds Model!C16"
    assert not link.passed and link.essential
    assert re.fullmatch(r"moves of Model!C16 \+[\d.]+", link.expected), link.expected
    assert link.actual == "moves of Model!C16 +0"
    assert link.detail.startswith("with Model!C12 held at ")
    values = [c for c in verification.checks if c.name.startswith("value:")]
    assert all(c.passed for c in values)
    assert verification.score == pytest.approx(0.2) and not verification.success
