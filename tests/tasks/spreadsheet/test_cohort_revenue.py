"""The cohort revenue truth on a small case worked by hand."""

from itertools import pairwise
from random import Random

import pytest

from tests.tasks.modules import task_module

cohort_revenue = task_module("spreadsheet/cohort-revenue-build")

RETENTION = [1.0, 0.8, 0.7, 0.65, 0.6, 0.58, 0.56, 0.54, 0.52, 0.5, 0.49, 0.48]


def flat_inputs(new: float = 100.0) -> dict[str, float]:
    x = {f"New{m:02d}": new for m in range(1, 13)}
    x.update({f"Ret{a:02d}": r for a, r in enumerate(RETENTION)})
    x.update({"Arpu": 50.0, "PriceIncrease": 0.1, "IncreaseMonth": 3.0})
    return x


def test_small_case_worked_by_hand():
    out = cohort_revenue.revenue_build(flat_inputs())
    # Month 1: cohort 1 only (100). Month 2: 100 x 0.8 + 100. Month 3: 70 + 80 + 100.
    assert out["ActiveCustomers"][:3] == pytest.approx([100.0, 180.0, 250.0])
    # With 100 new customers a month, month m has 100 x (sum of the first m retentions).
    assert out["ActiveCustomers"] == pytest.approx([100 * sum(RETENTION[:m]) for m in range(1, 13)])
    assert out["ArpuByMonth"][:4] == pytest.approx([50.0, 50.0, 55.0, 55.0])
    assert out["Revenue"][:3] == pytest.approx([5_000.0, 9_000.0, 13_750.0])
    assert out["TotalRevenue"][0] == pytest.approx(sum(out["Revenue"]))
    assert out["EndingCustomers"] == [out["ActiveCustomers"][-1]]


def test_cohort_grid_is_zero_before_acquisition_and_decays_after():
    out = cohort_revenue.revenue_build(flat_inputs())
    grid = [out["CohortCustomers"][12 * c : 12 * c + 12] for c in range(12)]
    for cohort, row in enumerate(grid):
        assert row[:cohort] == [0.0] * cohort
        assert row[cohort:] == pytest.approx([100 * r for r in RETENTION[: 12 - cohort]])


@pytest.mark.parametrize("seed", range(6))
def test_retention_curve_and_every_output_moves(seed):
    scenario = cohort_revenue.generate(Random(seed), cohort_revenue.Params())
    curve = [scenario.inputs[f"Ret{a:02d}"] for a in range(12)]
    assert curve[0] == 1.0 and all(a > b > 0 for a, b in pairwise(curve))
    base = scenario.expected()
    for name, values in base.items():
        assert any(scenario.expected(p)[name] != values for p in scenario.perturbations), name
    for perturbation in scenario.perturbations:
        assert 1 <= perturbation.get("IncreaseMonth", 1) <= 12
