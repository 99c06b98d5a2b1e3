"""The cap table truth: Excel's rounding, a seed worked by hand, the pool target is met."""

from random import Random

import pytest

from tests.tasks.modules import task_module

cap_table = task_module("spreadsheet/cap-table-rounds")

TERMS = {
    "FounderShares1": 5_000_000.0,
    "FounderShares2": 4_500_000.0,
    "PoolShares0": 500_000.0,
    "SeedPreMoney": 8_000_000.0,
    "SeedInvestment": 2_000_000.0,
    "SeedPoolTarget": 0.1,
    "SeriesAPreMoney": 30_000_000.0,
    "SeriesALead": 6_000_000.0,
    "SeriesACo": 4_000_000.0,
    "SeriesAPoolTarget": 0.16,
}


def test_excel_round_takes_halves_away_from_zero():
    assert [cap_table.excel_round(v) for v in (0.5, 1.5, 2.5, -2.5, 2.4999, 3.0)] == [
        1,
        2,
        3,
        -3,
        2,
        3,
    ]


def test_seed_worked_by_hand():
    # k = 0.1 x 10m / 8m = 0.125; N = (0.125 x 10m - 0.5m) / 0.875 = 857,142.86 -> 857,143;
    # price = 8m / 10,857,143; seed shares = 2m / price = 2,714,285.75 -> 2,714,286.
    out = cap_table.truth_for(2)(TERMS)
    assert out["PoolTopUp"][0] == 857_143
    assert out["SharePrice"][0] == pytest.approx(8_000_000 / 10_857_143, rel=1e-12)
    assert out["PostSeedShares"] == [5_000_000, 4_500_000, 1_357_143, 2_714_286]
    assert out["PostSeedOwnership"][2] == pytest.approx(0.1, abs=1e-7)


def test_pool_after_the_round_is_the_target_of_post_money_before_rounding():
    before, pool, pre, money, target = 13_571_429.0, 1_357_143.0, 30e6, 10e6, 0.16
    n = cap_table.pool_top_up(before, pool, pre, money, target)
    post = (before + n) * (pre + money) / pre
    assert pool + n == pytest.approx(target * post, rel=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_ownership_sums_to_one_and_pool_near_target(seed):
    scenario = cap_table.generate(Random(seed), cap_table.Params())
    out = scenario.expected()
    founders = scenario.variables["founder_count"]
    assert sum(out["PostSeedOwnership"]) == pytest.approx(1.0)
    assert sum(out["PostSeriesAOwnership"]) == pytest.approx(1.0)
    assert out["PostSeriesAOwnership"][founders] == pytest.approx(
        scenario.inputs["SeriesAPoolTarget"], abs=1e-6
    )
    for change in scenario.perturbations:
        moved = scenario.expected(change)
        assert all(p > 0 for p in moved["PoolTopUp"])
