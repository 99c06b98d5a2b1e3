"""The loan-amortization generator: its truth against hand-worked values and identities."""

from datetime import date
from random import Random

import pytest

from tests.tasks.modules import task_module

loan = task_module("spreadsheet/loan-amortization")


def test_a_plain_twelve_month_loan_matches_the_textbook_payment():
    # 100,000 at 12% a year (1% a month) over 12 months, no balloon: 8,884.88 a month.
    x = {
        "Principal": 100_000.0,
        "AnnualRate": 0.12,
        "TermMonths": 12.0,
        "Balloon": 0.0,
        "FirstPayment": loan.serial(date(2025, 1, 31)),
    }
    truth = loan.schedule(x)
    assert truth["MonthlyPayment"][0] == pytest.approx(8884.878867, abs=1e-6)
    assert truth["Interest"][0] == pytest.approx(1000.0)
    assert truth["TotalInterest"][0] == pytest.approx(12 * 8884.878867 - 100_000, abs=1e-4)
    assert truth["FinalBalance"][0] == pytest.approx(0.0, abs=1e-6)


def test_the_balance_runs_down_to_the_balloon():
    x = {
        "Principal": 2_500_000.0,
        "AnnualRate": 0.0725,
        "TermMonths": 60.0,
        "Balloon": 750_000.0,
        "FirstPayment": loan.serial(date(2026, 3, 31)),
    }
    truth = loan.schedule(x)
    assert truth["FinalBalance"][0] == pytest.approx(750_000.0)
    assert truth["ClosingBalance"][-1] == truth["FinalBalance"][0]
    payments = truth["MonthlyPayment"][0] * 60
    assert truth["TotalInterest"][0] == pytest.approx(payments + 750_000 - 2_500_000)
    # interest falls as the balance amortises
    assert all(a > b for a, b in zip(truth["Interest"], truth["Interest"][1:], strict=False))


def test_payment_dates_are_month_ends_through_leap_years():
    dates = loan.schedule(
        {
            "Principal": 1e6,
            "AnnualRate": 0.06,
            "TermMonths": 14.0,
            "Balloon": 0.0,
            "FirstPayment": loan.serial(date(2027, 1, 31)),
        }
    )["PaymentDates"]
    assert dates[0] == loan.serial(date(2027, 1, 31))
    assert dates[1] == loan.serial(date(2027, 2, 28))
    assert dates[3] == loan.serial(date(2027, 4, 30))
    assert dates[13] == loan.serial(date(2028, 2, 29))
    assert loan.serial(date(2025, 1, 1)) == 45658  # Excel's serial for 2025-01-01


@pytest.mark.parametrize("seed", range(20))
def test_every_output_moves_under_some_perturbation(seed):
    scenario = loan.generate(Random(seed), loan.Params())
    base = scenario.expected()
    moved = {name: False for name in base}
    for change in scenario.perturbations:
        changed = scenario.expected(change)
        for name in base:
            moved[name] |= any(
                abs(a - b) > 1e-3 for a, b in zip(base[name], changed[name], strict=True)
            )
    assert all(moved.values()), moved


def test_some_seeds_have_no_balloon_and_the_same_seed_gives_the_same_loan():
    balloons = [loan.generate(Random(seed), loan.Params()).inputs["Balloon"] for seed in range(20)]
    assert 0.0 in balloons and any(b > 0 for b in balloons)
    assert (
        loan.generate(Random(7), loan.Params()).inputs
        == loan.generate(Random(7), loan.Params()).inputs
    )
