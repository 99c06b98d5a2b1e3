"""The lease-vs-buy task's truth, checked by hand and by identities, without the engine."""

from datetime import date
from random import Random

import pytest

from skillgym.envs.spreadsheet.solvers import xnpv
from tests.tasks.modules import task_module

lvb = task_module("spreadsheet/lease-vs-buy")

SIMPLE = {
    "StartDate": lvb.to_serial(date(2026, 1, 15)),
    "Price": 100_000.0,
    "ResidualValue": 30_000.0,
    "TaxLife": 5.0,
    "MaintenanceYear1": 4_000.0,
    "MaintenanceEscalation": 0.05,
    "TermMonths": 36.0,
    "PaymentMonths": 3.0,
    "LeasePayment": 8_000.0,
    "TaxRate": 0.25,
    "DebtRate": 0.08,
}


def test_edate_and_30_360_year_fractions():
    assert lvb.edate(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert lvb.edate(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert lvb.edate(date(2026, 1, 15), 12) == date(2027, 1, 15)
    assert lvb.yearfrac_30_360(date(2026, 11, 15), date(2027, 2, 15)) == 0.25
    assert lvb.yearfrac_30_360(date(2026, 1, 15), date(2029, 1, 15)) == 3.0
    assert lvb.to_serial(date(2026, 1, 1)) == 46023.0  # as Excel numbers it


def test_flows_worked_by_hand():
    model = lvb.schedule(SIMPLE)
    assert model["dates"][0] == date(2026, 1, 15) and model["dates"][-1] == date(2029, 1, 15)
    assert len(model["buy"]) == 13
    # Quarterly depreciation 100,000 / 5 / 4 = 5,000; year-1 maintenance 1,000 a quarter.
    assert model["buy"][0] == -100_000
    assert model["buy"][1] == pytest.approx(-1_000 * 0.75 + 0.25 * 5_000)
    assert model["buy"][5] == pytest.approx(-1_050 * 0.75 + 0.25 * 5_000)  # starts in year 2
    # Book value 100,000 - 60,000 = 40,000: a 10,000 loss on sale saves 2,500 of tax.
    assert model["residual"] == pytest.approx(32_500)
    assert model["buy"][12] == pytest.approx(-1_000 * 1.05**2 * 0.75 + 1_250 + 32_500)
    assert model["lease"] == [-6_000.0] * 12 + [0.0]


def test_identities_of_the_outputs():
    truth = lvb.outputs_of(SIMPLE)
    model = lvb.schedule(SIMPLE)
    pv_buy, pv_lease, nal = truth["Valuation"]
    assert nal == pytest.approx(xnpv(model["rate"], model["incremental"], model["dates"]))
    assert xnpv(truth["IncrementalIrr"][0], model["incremental"], model["dates"]) == (
        pytest.approx(0, abs=1e-6)
    )
    residual_only = [0.0] * (len(model["dates"]) - 1) + [model["residual"]]
    assert truth["ResidualPv"][0] == pytest.approx(
        xnpv(model["rate"], residual_only, model["dates"])
    )


@pytest.mark.parametrize("seed", range(40))
def test_incremental_flows_change_sign_once_for_every_perturbation(seed):
    scenario = lvb.generate(Random(seed), lvb.Params())
    for change in [{}, *scenario.perturbations]:
        flows = lvb.schedule({**scenario.inputs, **change})["incremental"]
        assert flows[0] > 0 and all(f < 0 for f in flows[1:])


@pytest.mark.parametrize("seed", range(10))
def test_every_output_moves_under_some_perturbation(seed):
    scenario = lvb.generate(Random(seed), lvb.Params())
    base = scenario.expected()
    for name, values in base.items():
        assert any(scenario.expected(change)[name] != values for change in scenario.perturbations)
