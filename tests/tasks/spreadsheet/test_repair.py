"""The repair task's truth and its seeded bugs, without the engine."""

from random import Random

import pytest

from tests.tasks.modules import task_module

_repair_audit = task_module("spreadsheet/repair-broken-model", "audit")
repair = task_module("spreadsheet/repair-broken-model")

SIMPLE = {
    "Revenue0": 100.0,
    "Growth": 0.1,
    "CogsPct": 0.4,
    "SalesPct": 0.1,
    "GaYear1": 10.0,
    "GaGrowth": 0.05,
    "RndPct": 0.05,
    "DaPct": 0.03,
    "LoanOpening": 50.0,
    "Repayment": 10.0,
    "InterestRate": 0.08,
    "TaxRate": 0.25,
}


def test_year_one_and_two_worked_by_hand():
    rows = repair.project(SIMPLE)
    # Year 1: revenue 110, COGS 44, GP 66, opex 11 + 10 + 5.5 = 26.5, EBITDA 39.5,
    # D&A 3.3, EBIT 36.2, interest 4 on 50, pre-tax 32.2, tax 8.05, net income 24.15.
    assert rows[9][0] == pytest.approx(39.5)
    assert rows[16][0] == pytest.approx(24.15)
    # Year 2: revenue 121, G&A 10.5, loan 40 -> interest 3.2.
    ebitda = 121 * (1 - 0.4 - 0.1 - 0.05) - 10.5
    assert rows[9][1] == pytest.approx(ebitda)
    assert rows[16][1] == pytest.approx((ebitda - 121 * 0.03 - 3.2) * 0.75)


def test_totals_are_the_sums_and_net_income_ties_to_ebitda():
    truth = repair.outputs_of(SIMPLE)
    rows = repair.project(SIMPLE)
    assert truth["TotalEbitda"][0] == pytest.approx(sum(truth["Ebitda"]))
    assert truth["TotalNetIncome"][0] == pytest.approx(sum(truth["NetIncome"]))
    for t in range(repair.YEARS):
        pretax = rows[9][t] - rows[10][t] - rows[13][t]
        assert truth["NetIncome"][t] == pytest.approx(pretax * (1 - SIMPLE["TaxRate"]))


@pytest.mark.parametrize("seed", range(60))
def test_three_bugs_of_different_kinds_in_different_rows_one_above_ebitda(seed):
    bugs = repair.draw_bugs(Random(seed))
    kinds = [kind for kind, _, _ in bugs]
    rows = [row for _, row, _ in bugs]
    assert len(set(kinds)) == 3 and len(set(rows)) == 3
    assert min(rows) <= repair.EBITDA_ROW


@pytest.mark.parametrize("seed", range(20))
def test_the_oracle_rewrites_exactly_the_broken_cells_with_the_right_formulas(seed):
    scenario = repair.generate(Random(seed), repair.Params())
    model = scenario.workbook["Model"]
    (call,) = scenario.solution
    fixes = call["args"]["cells"]
    assert fixes
    for cell, formula in fixes.items():
        assert model[cell].value != formula
        assert formula == repair.right_formula(int(cell[1:]), cell[0])
    for column in repair.COLUMNS:
        for row in repair.RIGHT:
            cell = f"{column}{row}"
            if cell not in fixes:
                assert model[cell].value == repair.right_formula(row, column)


@pytest.mark.parametrize("seed", range(20))
def test_every_perturbation_keeps_the_business_profitable_and_moves_every_output(seed):
    scenario = repair.generate(Random(seed), repair.Params())
    base = scenario.expected()
    for change in scenario.perturbations:
        assert repair.sensible({**scenario.inputs, **change})
        moved = scenario.expected(change)
        for name, values in base.items():
            assert all(a != b for a, b in zip(values, moved[name], strict=True)), name


def test_a_number_typed_over_a_cell_moves_what_depends_on_it_and_nothing_above():
    right = repair.model_cells(SIMPLE)
    typed = repair.model_cells(SIMPLE, {"D12": 30.0})  # the loan in year 2: 40 -> 30
    assert typed["D13"] == pytest.approx(30 * 0.08)
    assert typed["E12"] == pytest.approx(20.0)  # the next year runs down from it
    assert typed["D16"] - right["D16"] == pytest.approx(10 * 0.08 * 0.75)
    assert typed["D9"] == right["D9"] and typed["C16"] == right["C16"]
    assert typed["C19"] - right["C19"] == pytest.approx(
        sum(typed[f"{c}16"] - right[f"{c}16"] for c in "DEFG")
    )


def contents(workbook) -> dict:
    cells = {
        sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in workbook
    }
    return {
        "cells": cells,
        "names": sorted((n, d.attr_text) for n, d in workbook.defined_names.items()),
    }


@pytest.mark.parametrize("seed", range(5))
def test_the_strict_audit_draws_nothing_more_than_the_first_verifier(seed):
    plain = repair.generate(Random(seed), repair.Params())
    strict = repair.generate(Random(seed), repair.Params(strict=True))
    assert plain.task_checks is None and isinstance(strict.task_checks, _repair_audit.Audit)
    assert contents(strict.workbook) == contents(plain.workbook)
    assert (strict.inputs, strict.solution, strict.variables) == (
        plain.inputs,
        plain.solution,
        plain.variables,
    )
    fixes = plain.solution[0]["args"]["cells"]
    assert sorted(cell for bug in strict.task_checks.bugs for cell in bug) == sorted(fixes)


@pytest.mark.parametrize("seed", range(20))
def test_every_cheat_touches_what_the_instruction_forbids(seed):
    scenario = repair.generate(Random(seed), repair.Params(strict=True))
    cheats = _repair_audit.cheat_calls(scenario)
    fixes = scenario.solution[0]["args"]["cells"]
    (rewrite,) = cheats["rewrite-around-bugs"]
    left = [
        cell
        for cell in fixes
        if cell not in rewrite["args"]["cells"] and cell[1:] not in ("9", "16")
    ]
    assert left, "the rewrite leaves some bug on the sheet"
    assert cheats["edit-inputs"][0]["args"]["sheet"] == "Inputs"
    assert cheats["insert-rows"][-1]["tool"] == "insert_rows"
