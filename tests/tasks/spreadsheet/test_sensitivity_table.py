"""The DCF sensitivity truth against the perpetuity identity and its own base case."""

from random import Random

import pytest

from tests.tasks.modules import task_module

sensitivity_table = task_module("spreadsheet/dcf-sensitivity-table")


def test_flat_cash_flows_with_no_growth_are_a_perpetuity():
    x = {f"Fcf{t}": 100.0 for t in range(1, 6)}
    x.update(NetDebt=200.0, Shares=10.0)
    # 100 a year forever at 10%: EV = 100 / 0.1 = 1,000; price = (1,000 - 200) / 10.
    assert sensitivity_table.enterprise_value(x, 0.1, 0.0) == pytest.approx(1_000.0)
    assert sensitivity_table.share_price(x, 0.1, 0.0) == pytest.approx(80.0)


@pytest.mark.parametrize("seed", range(6))
def test_table_is_centred_on_the_base_case(seed):
    scenario = sensitivity_table.generate(Random(seed), sensitivity_table.Params())
    x = scenario.inputs
    out = scenario.expected()
    assert out["WaccHeaders"][2] == x["Wacc"] and out["GrowthHeaders"][2] == x["TerminalGrowth"]
    assert out["WaccHeaders"] == sorted(out["WaccHeaders"])
    assert out["GrowthHeaders"] == sorted(out["GrowthHeaders"])
    table = [out["PriceTable"][5 * r : 5 * r + 5] for r in range(5)]
    assert table[2][2] == pytest.approx(out["SharePrice"][0])
    for row in table:  # higher growth, higher price
        assert row == sorted(row)
    for column in zip(*table, strict=True):  # higher WACC, lower price
        assert list(column) == sorted(column, reverse=True)
    price = (out["EnterpriseValue"][0] - x["NetDebt"]) / x["Shares"]
    assert out["SharePrice"][0] == pytest.approx(price)
    for name, values in out.items():
        assert any(scenario.expected(p)[name] != values for p in scenario.perturbations), name
