"""The three-statement truth: a year worked by hand, and the balance sheet always balances."""

from random import Random

import pytest

from tests.tasks.modules import task_module

three_statement = task_module("spreadsheet/three-statement-model")

BY_HAND = {
    "Revenue0": 100.0,
    "Growth": 0.1,
    "GrossMargin": 0.4,
    "OpexPct": 0.1,
    "DaPct": 0.1,
    "CapexPct": 0.05,
    "ReceivableDays": 36.5,
    "InventoryDays": 73.0,
    "PayableDays": 36.5,
    "TaxRate": 0.25,
    "Payout": 0.5,
    "DebtRepayment": 10.0,
    "InterestRate": 0.1,
    "Cash0": 20.0,
    "Receivables0": 10.0,
    "Inventory0": 12.0,
    "Ppe0": 50.0,
    "Payables0": 6.0,
    "Debt0": 40.0,
    "ShareCapital0": 30.0,
    "RetainedEarnings0": 16.0,
}


def test_year_one_worked_by_hand():
    # revenue 110, COGS 66, opex 11, D&A 5, interest 4 -> PBT 24, tax 6, NI 18, dividends 9;
    # AR 11, inventory 13.2, AP 6.6 -> CFO 18 + 5 - 1 - 1.2 + 0.6 = 21.4;
    # cash 20 + 21.4 - 5.5 capex - 10 repaid - 9 dividends = 16.9; PP&E 50 + 5.5 - 5 = 50.5.
    out = three_statement.model(BY_HAND)
    assert out["NetIncome"][0] == pytest.approx(18.0)
    assert out["EndingCash"][0] == pytest.approx(16.9)
    assert out["TotalAssets"][0] == pytest.approx(16.9 + 11 + 13.2 + 50.5)
    assert out["RetainedEarnings"][0] == pytest.approx(25.0)
    assert out["BalanceCheck"] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_the_balance_sheet_balances_on_every_seed_and_perturbation(seed):
    scenario = three_statement.generate(Random(seed), three_statement.Params())
    for change in [{}, *scenario.perturbations]:
        out = scenario.expected(change)
        assert max(abs(v) for v in out["BalanceCheck"]) < 1e-9
        assert min(out["EndingCash"]) > 0 and min(out["NetIncome"]) > 0


def test_every_output_but_the_check_moves_under_some_perturbation():
    scenario = three_statement.generate(Random(0), three_statement.Params())
    base = scenario.expected()
    for name, values in base.items():
        if name == "BalanceCheck":
            continue
        assert any(scenario.expected(c)[name] != values for c in scenario.perturbations), name
