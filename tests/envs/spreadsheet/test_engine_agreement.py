"""On every task's oracle workbook, the persistent engine agrees with a fresh LibreOffice.

The reference is the per-file pipeline: cached values stripped, one LibreOffice
process started for the file, recalculation forced on load. Our engine computed its
values incrementally, write by write; both must give the same numbers (1e-9 relative).
"""

from collections.abc import Iterator

import pytest

from benchmarks.libreoffice_reference import cached_values, convert_per_file, strip_cached_values
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.spreadsheet import SpreadsheetEnv

TASKS = [spec.ref for spec in TaskCatalog.load().latest("spreadsheet")]


@pytest.fixture(scope="module")
def env() -> Iterator[SpreadsheetEnv]:
    environment = SpreadsheetEnv()
    yield environment
    environment.close()


def oracle_workbook(env: SpreadsheetEnv, task: str, seed: int) -> bytes:
    obs, _ = env.reset(seed=seed, options={"task": task})
    oracle = env.oracle()
    while '"submit"' not in (action := oracle(obs)):
        obs, *_ = env.step(action)
    return env.artifact("workbook.xlsx")


def disagreements(ours: dict, reference: dict) -> list:
    problems = []
    for key, expected in reference.items():
        actual = ours.get(key)
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            if not isinstance(actual, (int, float)) or abs(actual - expected) > 1e-9 * max(
                1.0, abs(expected)
            ):
                problems.append((key, actual, expected))
        elif actual != expected:
            problems.append((key, actual, expected))
    return problems


@pytest.mark.parametrize("task", TASKS)
def test_engine_agrees_with_a_forced_per_file_recalculation(env, task):
    ours_bytes = oracle_workbook(env, task, seed=1)
    ours = cached_values(ours_bytes)
    reference = cached_values(convert_per_file(strip_cached_values(ours_bytes)))
    assert len(reference) == len(ours)
    assert disagreements(ours, reference) == []


def test_stripping_cached_values_removes_planted_results(env):
    data = oracle_workbook(env, TASKS[0], seed=0)
    stripped = cached_values(strip_cached_values(data))
    formulas = {k for k, v in cached_values(data).items()} - set(stripped)
    assert formulas, "formula cells keep no cached value once stripped"
