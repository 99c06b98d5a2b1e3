"""The repair task's audit, replayed through the agent's tools on the real engine.

What the instruction forbids (touching Inputs, changing the layout, working around a
broken cell) was paid in full by the first verifier; the current version must leave
each of these strategies below half the reward, and an honest repair at 1.0.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from skillgym.envs.spreadsheet import SpreadsheetEnv
from tests.envs.episodes import assert_checks_readable, failed
from tests.tasks.modules import task_module

_repair_audit = task_module("spreadsheet/repair-broken-model", "audit")
repair = task_module("spreadsheet/repair-broken-model")

TASK = "spreadsheet/repair-broken-model"
OLD = f"{TASK}@1.0.1"
AUDIT = ("Inputs sheet as given", "layout as given", "broken cells fixed", "rest of the model")


@pytest.fixture(scope="module")
def env() -> Iterator[SpreadsheetEnv]:
    environment = SpreadsheetEnv()
    yield environment
    environment.close()


def play(env: SpreadsheetEnv, task: str, seed: int, strategy: str) -> tuple[float, dict[str, Any]]:
    """Reset, play the episode's oracle or one of its cheats (each call must succeed), submit."""
    env.reset(seed=seed, options={"task": task})
    scenario = env._scenario
    assert scenario is not None
    calls = (
        scenario.solution if strategy == "oracle" else _repair_audit.cheat_calls(scenario)[strategy]
    )
    for call in [*calls, {"tool": "submit", "args": {}}]:
        obs, reward, terminated, _, info = env.step(json.dumps(call))
        assert terminated or obs["last_action_error"] == "", obs["last_action_error"]
    verification = info["verification"]
    assert_checks_readable(verification)
    return reward, verification


def check(verification: dict[str, Any], prefix: str) -> dict[str, Any]:
    (found,) = [c for c in verification.checks if c.name.startswith(prefix)]
    return found


def audit_failures(verification: dict[str, Any]) -> list[str]:
    return [
        c.name
        for c in verification.checks
        if c.name.startswith(AUDIT) and not c.passed and c.essential
    ]


@pytest.mark.parametrize("seed", [0, 2])  # seed 2's bugs include a whole row (a missing $)
def test_an_honest_repair_scores_one_and_passes_every_audit_check(env, seed):
    reward, verification = play(env, TASK, seed, "oracle")
    assert reward == 1.0 and verification.success, failed(verification)
    audit = [c for c in verification.checks if c.name.startswith(AUDIT)]
    assert len(audit) == 6 and all(c.essential for c in audit)
    assert check(verification, "rest of the model").actual == "all right"


def test_rewriting_the_outputs_around_the_bugs_scores_below_half(env):
    reward, verification = play(env, TASK, 0, "rewrite-around-bugs")
    assert reward < 0.5 and not verification.success
    assert all(c.passed for c in verification.checks if c.name.startswith("value:"))
    # seed 0's bugs: a number pasted over the loan (C12), a short SUM (C8), and net income
    # (D16), which the rewrite replaced: the two left on the sheet fail where they are.
    assert audit_failures(verification) == [
        "broken cells fixed in place: Model!C12 (Opening loan balance, year 1)",
        "broken cells fixed in place: Model!C8 (Total opex, year 1)",
        "rest of the model right",
    ]
    assert check(verification, "broken cells fixed in place: Model!C8").actual == (
        "Model!C8 holds =SUM(C5:C6) -> 49.03655, expected 65.22561"
    )
    old_reward, _ = play(env, OLD, 0, "rewrite-around-bugs")
    assert old_reward == 1.0  # what the first verifier paid


def test_a_fixed_cell_the_outputs_bypass_fails_its_check(env):
    # Seed 2: the #REF! in gross profit (E4) is fixed in place, but EBITDA is rewritten
    # from the inputs, so nothing checked follows E4 any more.
    reward, verification = play(env, TASK, 2, "rewrite-around-bugs")
    assert reward < 0.5 and not verification.success
    bypassed = check(verification, "broken cells fixed in place: Model!E4")
    assert not bypassed.passed
    assert "Model!E4 = 210.5433 typed in, Model!E9 went from 107.5942 to 107.5942" in (
        bypassed.actual
    )
    assert bypassed.actual.endswith("the checked outputs do not follow the repaired cells")


def test_inserting_a_row_scores_below_half(env):
    reward, verification = play(env, TASK, 0, "insert-rows")
    assert reward < 0.5 and not verification.success
    layout = check(verification, "layout as given")
    assert layout.essential and not layout.passed
    assert layout.actual.startswith('Model!A9 is empty (was "EBITDA"); Model!A10 holds the text')
    old_reward, _ = play(env, OLD, 0, "insert-rows")
    assert old_reward == 1.0


# seed 0: helper cells on Inputs the broken cells read; seed 2: a rate copied along its row
@pytest.mark.parametrize("seed", [0, 2])
def test_fixing_through_the_inputs_sheet_scores_below_half(env, seed):
    reward, verification = play(env, TASK, seed, "edit-inputs")
    assert reward < 0.5 and not verification.success
    assert audit_failures(verification) == ["Inputs sheet as given"]
    touched = check(verification, "Inputs sheet as given").actual
    assert touched.startswith("Inputs!H2 holds =")
    if seed == 2:
        assert "Inputs!C8 holds =$B$8 -> 0.06 (was empty)" in touched


def test_the_old_version_keeps_its_verifier(env):
    reward, verification = play(env, OLD, 2, "edit-inputs")
    assert reward == 1.0 and verification.success
    assert not [c for c in verification.checks if c.name.startswith(AUDIT)]


def test_an_honest_repair_in_other_words_still_scores_one(env):
    # The fixes by input name instead of address, SUM spelled out, plus a note beside
    # the model and a number format: nothing the instruction forbids.
    env.reset(seed=2, options={"task": TASK})
    assert env._scenario is not None
    names = {f"Inputs!$B${row}": name for name, _, row in repair.INPUTS}
    fixes = {}
    for cell, formula in env._scenario.solution[0]["args"]["cells"].items():
        for address, name in names.items():
            formula = formula.replace(address, name)
        fixes[cell] = formula.replace("SUM(F5:F7)", "F5+F6+F7")
    calls = [
        {"tool": "write_cells", "args": {"sheet": "Model", "cells": {**fixes, "I2": "checked"}}},
        {"tool": "set_number_format", "args": {"range": "Model!C2:G19", "format": "#,##0.0"}},
        {"tool": "submit", "args": {}},
    ]
    for call in calls:
        obs, reward, terminated, _, info = env.step(json.dumps(call))
        assert terminated or obs["last_action_error"] == "", obs["last_action_error"]
    assert reward == 1.0 and info["verification"].success, failed(info["verification"])
