"""The budget-variance truth against the workbook it comes with, summed by hand."""

from random import Random

import pytest

from tests.tasks.modules import task_module

budget_variance = task_module("spreadsheet/budget-variance")


@pytest.mark.parametrize("seed", range(6))
def test_truth_matches_the_ledger_and_budget_grid_read_from_the_workbook(seed):
    scenario = budget_variance.generate(Random(seed), budget_variance.Params())
    book = scenario.workbook
    department = book["Report"]["B2"].value
    last = scenario.variables["last_row"]
    accounts = [book["Report"][f"A{r}"].value for r in range(6, last + 1)]
    spent = dict.fromkeys(accounts, 0.0)
    for _, dept, account, amount, _ in book["Data"].iter_rows(min_row=2, values_only=True):
        if dept == department:
            spent[account] += amount
    grid = {}
    columns = {cell.value: cell.column for cell in book["Budget"][2][1:]}
    for row in book["Budget"].iter_rows(min_row=3):
        grid[row[0].value] = row[columns[department] - 1].value
    out = scenario.expected()
    assert out["Actual"] == pytest.approx([spent[a] for a in accounts], abs=1e-9)
    assert out["BudgetAmount"] == [grid[a] for a in accounts]
    for actual, budget, variance, pct, flag in zip(
        out["Actual"],
        out["BudgetAmount"],
        out["Variance"],
        out["VariancePct"],
        out["OverBudget"],
        strict=True,
    ):
        assert variance == pytest.approx(actual - budget)
        assert pct == (0.0 if budget == 0 else pytest.approx(variance / budget))
        assert flag == (1.0 if actual > budget else 0.0)
    total_actual, total_budget, total_variance, total_pct, _ = out["Totals"]
    assert total_actual == pytest.approx(sum(out["Actual"]))
    assert total_variance == pytest.approx(total_actual - total_budget)
    assert total_pct == pytest.approx(total_variance / total_budget)
    # One account had spend but no budget, one account no spend at all.
    assert 0.0 in out["BudgetAmount"] and 0.0 in out["Actual"]


@pytest.mark.parametrize("seed", range(6))
def test_every_output_moves_and_other_departments_do_not_count(seed):
    scenario = budget_variance.generate(Random(seed), budget_variance.Params())
    base = scenario.expected()
    for name in base:
        assert any(scenario.expected(p)[name] != base[name] for p in scenario.perturbations)
    department = scenario.variables["department"]
    others = {
        name: value * 3
        for name, value in scenario.inputs.items()
        if name.startswith("Bud_") and not name.startswith(f"Bud_{department}_")
    }
    assert scenario.expected(others) == base


def test_same_seed_same_scenario():
    first = budget_variance.generate(Random(7), budget_variance.Params())
    second = budget_variance.generate(Random(7), budget_variance.Params())
    assert first.inputs == second.inputs and first.variables == second.variables
    assert first.perturbations == second.perturbations
