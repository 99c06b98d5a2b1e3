"""One workbook's work on the shared engine is bounded, and a session past a bound ends with its verdict.

Real LibreOffice throughout. Nothing here measures time: each test sets limits its work
is far past (or far within) and asserts refusals, verdicts and episode ends.
"""

import dataclasses
import io
import json
import os
import signal
from collections.abc import Iterator

import openpyxl
import pytest

from skillgym.envs.spreadsheet import SpreadsheetEnv
from skillgym.envs.spreadsheet.engine import (
    EnginePool,
    Workbook,
    WorkLimitExceeded,
    WorkRefused,
    quarantine_pool,
    shared_pool,
)
from skillgym.envs.spreadsheet.work_limits import WorkLimits

TASK = "spreadsheet/dcf-valuation"
HEAVY = "=SUMPRODUCT((Inputs!$A$1:$ZZ$10000=0)*1)+ROW()"
UNBOUNDED = WorkLimits(formula_reads=10**15, recalc_seconds=600.0, call_seconds=600.0)


def book_bytes() -> bytes:
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    for row in range(1, 31):
        inputs[f"A{row}"], inputs[f"B{row}"] = row, row * 2
    book.create_sheet("Model")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def pool() -> Iterator[EnginePool]:
    """An engine of the test's own, for the tests that stop it."""
    own = EnginePool(1)
    yield own
    own.close()


def shown(workbook: Workbook, sheet: str, cell: str):
    item = workbook.call("read", sheet=sheet, area=cell)["cells"][0][0]
    return None if item is None else item[1]


def kill_engine(workbook: Workbook) -> None:
    process = workbook._engine._process
    os.killpg(os.getpgid(process.pid), signal.SIGKILL)
    process.wait(timeout=30)


def write(sheet: str, cells: dict) -> str:
    return json.dumps({"tool": "write_cells", "args": {"sheet": sheet, "cells": cells}})


def define(name: str, refers_to: str) -> str:
    return json.dumps({"tool": "define_name", "args": {"name": name, "refers_to": refers_to}})


def play_oracle(env: SpreadsheetEnv, observation: dict) -> dict:
    """Write the oracle's model (not submitting); the observation after it."""
    oracle = env.oracle()
    action = oracle(observation)
    while json.loads(action)["tool"] != "submit":
        observation, _, terminated, truncated, _ = env.step(action)
        assert not (terminated or truncated) and observation["last_action_error"] == ""
        action = oracle(observation)
    return observation


# ---- refused before the engine sees it ---------------------------------------------
def test_the_formula_that_stalled_a_server_is_refused_with_its_cost_and_the_limit():
    env = SpreadsheetEnv()
    try:
        observation, _ = env.reset(seed=0, options={"task": TASK})
        for cells in ({"H1:H100": HEAVY}, {"H1": HEAVY}):
            observation, reward, terminated, truncated, _ = env.step(write("Model", cells))
            error = observation["last_action_error"]
            assert "reads 7,020,000 cells" in error
            assert "at most 5,000,000 cells" in error
            assert "Nothing was written" in error
            assert (reward, terminated, truncated) == (0.0, False, False)
        assert env._workbook is not None and shown(env._workbook, "Model", "H1") is None
        # The episode goes on: the model written now is scored as usual.
        observation = play_oracle(env, observation)
        *_, reward, terminated, _, info = env.step('{"tool": "submit", "args": {}}')
        assert terminated and reward == 1.0 and info["verification"].success
    finally:
        env.close()


def test_whole_column_lookups_and_sums_an_honest_model_uses_are_written():
    workbook = Workbook(book_bytes())
    try:
        formulas = {
            "C1:C100": '=SUMIF(Inputs!A:A,">"&ROW(),Inputs!B:B)',
            "D1:D100": "=VLOOKUP(ROW(),Inputs!A:B,2,0)",
            "E1:E100": "=SUM(Inputs!B:B)-INDEX(Inputs!B:B,MATCH(ROW(),Inputs!A:A,0))",
        }
        workbook.change("write", sheet="Model", cells=[[t, f] for t, f in formulas.items()])
        assert shown(workbook, "Model", "D7") == 14.0
        assert workbook.ledger.total == 0  # each reads the 30 filled rows of a column or two
    finally:
        workbook.close()


def test_a_name_costs_what_it_refers_to_when_a_formula_uses_it():
    workbook = Workbook(book_bytes())
    try:
        workbook.change("define_name", name="Pool", refers_to="Inputs!$A$1:$ZZ$10000")
        with pytest.raises(WorkRefused, match=r"Pool \(Inputs!\$A\$1:\$ZZ\$10000\): 7,020,000"):
            workbook.change("write", sheet="Model", cells=[["A1", "=SUMPRODUCT((Pool=0)*1)"]])
    finally:
        workbook.close()


def test_costly_cells_overwritten_with_values_give_their_share_back():
    workbook = Workbook(book_bytes(), limits=WorkLimits(formula_reads=2_500_000))
    try:
        column = "=SUMPRODUCT((Inputs!A:A=ROW())*1)"  # 1,048,576 cells each
        workbook.change("write", sheet="Model", cells=[["A1:A2", column]])
        with pytest.raises(WorkRefused, match="would bring this one's to 3,145,728"):
            workbook.change("write", sheet="Model", cells=[["B1", column]])
        workbook.change("write", sheet="Model", cells=[["A2", 5]])
        workbook.change("write", sheet="Model", cells=[["B1", column]])
        assert shown(workbook, "Model", "B1") == 1.0
    finally:
        workbook.close()


# ---- measured: undone and refused ------------------------------------------------
def test_a_change_that_leaves_the_workbook_slow_to_recalculate_is_undone_and_refused():
    limits = dataclasses.replace(UNBOUNDED, recalc_seconds=0.05)
    workbook = Workbook(book_bytes(), limits=limits)
    try:
        workbook.change("write", sheet="Model", cells=[["A1", 42]])
        generation = workbook._engine.generation
        with pytest.raises(WorkRefused, match="recalculating this workbook takes") as refused:
            workbook.change("write", sheet="Model", cells=[["B1:B3", HEAVY]])
        assert "at most 0.05 s" in str(refused.value)
        assert shown(workbook, "Model", "B1") is None
        assert shown(workbook, "Model", "A1") == 42.0
        assert workbook._engine.generation == generation  # undone without stopping the engine
        workbook.change("write", sheet="Model", cells=[["C1", "=A1+1"]])
        assert shown(workbook, "Model", "C1") == 43.0
    finally:
        workbook.close()


# ---- stopped: the episode ends ---------------------------------------------------
def test_a_call_past_the_time_limit_is_stopped_and_every_workbook_on_the_engine_is_restored(pool):
    neighbour = Workbook(book_bytes(), pool=pool)
    limits = dataclasses.replace(UNBOUNDED, call_seconds=1.0)
    workbook = Workbook(book_bytes(), pool=pool, limits=limits)
    try:
        neighbour.change("write", sheet="Model", cells=[["A1", "=Inputs!B3*10"]])
        workbook.change("write", sheet="Model", cells=[["A1", 5]])
        generation = pool.engines[0].generation
        with pytest.raises(WorkLimitExceeded, match="stopped write after 1 s"):
            workbook.change("write", sheet="Model", cells=[["H1:H100", HEAVY]])
        assert pool.engines[0].generation == generation + 1
        assert shown(workbook, "Model", "A1") == 5.0
        assert shown(workbook, "Model", "H1") is None
        assert shown(neighbour, "Model", "A1") == 60.0  # reopened from its own journal
        # The stopped change is in no journal: another restart replays in one go.
        restarts = workbook.restarts
        kill_engine(workbook)
        assert shown(workbook, "Model", "A1") == 5.0
        assert workbook.restarts == restarts + 1
    finally:
        workbook.close()
        neighbour.close()


def test_a_replay_past_the_time_limit_ends_the_journal_before_that_change_instead_of_looping(pool):
    workbook = Workbook(book_bytes(), pool=pool, limits=UNBOUNDED)
    try:
        workbook.change("write", sheet="Model", cells=[["A1", 5]])
        workbook.change("write", sheet="Model", cells=[["H1:H4", HEAVY]])  # 0.6 s of work or more
        workbook.change("write", sheet="Model", cells=[["A2", 6]])
        workbook.limits = dataclasses.replace(workbook.limits, call_seconds=0.2)
        restarts = workbook.restarts
        kill_engine(workbook)
        assert shown(workbook, "Model", "A1") == 5.0
        assert shown(workbook, "Model", "H1") is None
        assert shown(workbook, "Model", "A2") is None  # after the change that failed
        assert workbook.restarts == restarts + 2  # the replay that failed, then the shorter one
    finally:
        workbook.close()


def test_once_the_episode_has_spent_its_engine_time_the_next_change_ends_it(monkeypatch):
    monkeypatch.setenv("SKILLGYM_CALC_EPISODE_SECONDS", "0.000001")
    env = SpreadsheetEnv()
    try:
        observation, _ = env.reset(seed=0, options={"task": TASK})
        observation, reward, terminated, truncated, info = env.step(write("Model", {"H1": 1}))
        assert (terminated, truncated) == (False, True)
        assert info["truncated_by"].startswith("error: This episode has used")
        assert observation["last_action_error"] in info["truncated_by"]
        assert reward == info["verification"].score
    finally:
        env.close()


def test_a_session_stopped_by_the_time_limit_is_verified_on_its_model_and_another_goes_on(
    monkeypatch,
):
    """The acceptance case: work no estimate sees (a name redefined under 100 formulas)."""
    monkeypatch.setenv("SKILLGYM_CALC_CALL_SECONDS", "1")
    heavy, other = SpreadsheetEnv(), SpreadsheetEnv()
    try:
        observation, _ = heavy.reset(seed=0, options={"task": TASK})
        other_observation, _ = other.reset(seed=1, options={"task": TASK})
        play_oracle(heavy, observation)
        heavy.step(json.dumps({"tool": "add_sheet", "args": {"name": "Scratch"}}))
        heavy.step(define("Pool", "Scratch!$A$1"))
        observation, *_ = heavy.step(write("Scratch", {"B1:B100": "=SUMPRODUCT((Pool=0)*1)+ROW()"}))
        assert observation["last_action_error"] == ""
        observation, reward, terminated, truncated, info = heavy.step(
            define("Pool", "Inputs!$A$1:$ZZ$10000")
        )
        assert (terminated, truncated) == (False, True)
        assert info["truncated_by"].startswith(
            "error: The spreadsheet engine stopped define_name after 1 s"
        )
        # Verified as it was before that call: the model written earlier scores in full.
        assert reward == 1.0 and info["verification"].success
        # The other session, whose workbook was on the stopped engine, goes on.
        other_observation = play_oracle(other, other_observation)
        *_, reward, terminated, _, _ = other.step('{"tool": "submit", "args": {}}')
        assert terminated and reward == 1.0
        # The stopped session's next episodes run on the quarantine engine, not the shared one.
        heavy.reset(seed=2, options={"task": TASK})
        assert heavy._workbook is not None and heavy._workbook._pool is quarantine_pool()
        assert other._workbook is not None and other._workbook._pool is shared_pool()
        observation, *_ = heavy.step(write("Model", {"H1": 1}))
        assert observation["last_action_error"] == ""
    finally:
        heavy.close()
        other.close()


def test_limits_are_read_from_the_environment_and_must_be_positive(monkeypatch):
    monkeypatch.setenv("SKILLGYM_CALC_CALL_SECONDS", "2.5")
    monkeypatch.setenv("SKILLGYM_CALC_FORMULA_READS", "1e6")
    limits = WorkLimits.from_environment()
    assert (limits.call_seconds, limits.formula_reads) == (2.5, 1_000_000)
    assert limits.episode_seconds == WorkLimits().episode_seconds
    monkeypatch.setenv("SKILLGYM_CALC_RECALC_SECONDS", "fast")
    with pytest.raises(ValueError, match=r"\$SKILLGYM_CALC_RECALC_SECONDS to be a number"):
        WorkLimits.from_environment()
    with pytest.raises(ValueError, match="Expects call_seconds > 0, actual value: 0"):
        WorkLimits(call_seconds=0)
