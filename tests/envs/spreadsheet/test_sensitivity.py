"""Verifier 2's input changes, drawn without an engine: every input moves, each one shows.

"Shows" is what makes a typed-in input fail: holding that one input at its old value
while the rest of its change moves gives outputs the truth tells apart.
"""

from random import Random

import pytest

from skillgym.envs.core.env import episode_rng
from skillgym.envs.core.generators import generate_episode
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.spreadsheet.scenario import Scenario
from skillgym.envs.spreadsheet.sensitivity import SHOWS_BY, draw_changes

CATALOG = TaskCatalog.load()
COVERED = [spec for spec in CATALOG.latest("spreadsheet") if spec.verifier >= 2]
BUILDS = [spec for spec in COVERED if spec.id != "spreadsheet/repair-broken-model"]


def scenario_of(ref: str, seed: int = 0) -> Scenario:
    spec = CATALOG.resolve(ref)
    return generate_episode(spec, episode_rng(spec, seed)).covered()


def held_back_apart(scenario: Scenario, change: dict[str, float], name: str) -> bool:
    moved = scenario.expected(change)
    held = scenario.expected({k: v for k, v in change.items() if k != name})
    for output in scenario.outputs:
        for a, b in zip(moved[output.name], held[output.name], strict=True):
            if abs(a - b) > SHOWS_BY * max(output.abs_tol, output.rel_tol * abs(a)):
                return True
    return False


def test_every_newest_spreadsheet_task_is_judged_by_verifier_two():
    newest = CATALOG.latest("spreadsheet")
    assert len(newest) >= 11 and COVERED == newest
    assert len(BUILDS) == len(newest) - 1  # all but the repair task build a model


@pytest.mark.parametrize("spec", BUILDS, ids=lambda spec: spec.id)
def test_every_input_but_the_layout_moves_and_each_one_shows(spec):
    scenario = scenario_of(spec.ref)
    assert scenario.coverage is not None
    changes = draw_changes(scenario, Random(1))
    moved = [name for change in changes for name in change]
    movable = set(scenario.inputs) - scenario.coverage.layout
    assert sorted(moved) == sorted(movable)  # each input moves, and only once
    for change in changes:
        assert scenario.coverage.valid({**scenario.inputs, **change})
        for name in change:
            # another department's budget moves the report nowhere, alone or not
            alone = held_back_apart(scenario, {name: change[name]}, name)
            assert held_back_apart(scenario, change, name) or not alone, (name, change)
    assert len(changes) <= 8  # a recalculation each, not one per input


def test_every_input_the_outputs_read_shows_in_the_dcf():
    # the first verifier never moved 7 of these 10, so typing them in went unseen
    scenario = scenario_of("spreadsheet/dcf-valuation")
    changes = draw_changes(scenario, Random(5))
    shown = [
        name for change in changes for name in change if held_back_apart(scenario, change, name)
    ]
    assert sorted(shown) == sorted(scenario.inputs)


def test_the_revolver_limit_is_moved_to_where_it_binds():
    scenario = scenario_of("spreadsheet/debt-schedule-revolver", 1)
    (change,) = [c for c in draw_changes(scenario, Random(2)) if "RevolverLimit" in c]
    assert held_back_apart(scenario, change, "RevolverLimit")


def test_the_changes_are_the_episodes_own_and_leave_its_workbook_alone():
    spec = CATALOG.resolve("spreadsheet/dcf-valuation")
    first, again = scenario_of(spec.ref, 3), scenario_of(spec.ref, 3)
    assert draw_changes(first, Random("a")) == draw_changes(again, Random("a"))
    assert draw_changes(first, Random("a")) != draw_changes(first, Random("b"))
    assert first.xlsx_bytes() == again.xlsx_bytes()


def test_the_old_version_keeps_its_workbook_and_its_fixed_changes():
    old = CATALOG.resolve("spreadsheet/dcf-valuation@1.0.1")
    scenario = generate_episode(old, episode_rng(old, 0))
    assert [o.name for o in scenario.outputs] == [
        "FreeCashFlow",
        "TerminalValue",
        "EnterpriseValue",
        "DealIrr",
    ]
    assert "Revenue" not in scenario.workbook.defined_names
    assert len(scenario.perturbations) == 2
