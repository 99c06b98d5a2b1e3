"""The debt-schedule-revolver generator: its truth against a hand-worked schedule."""

from random import Random

import pytest

from tests.tasks.modules import task_module

revolver = task_module("spreadsheet/debt-schedule-revolver")

HAND = {
    "OpeningCash": 20.0,
    "MinCash": 10.0,
    "TermLoan0": 15.0,
    "TermAmort": 10.0,
    "TermRate": 0.1,
    "RevolverLimit": 12.0,
    "Revolver0": 0.0,
    "RevolverRate": 0.1,
    "CashFlow1": -5.0,
    "CashFlow2": -10.0,
    "CashFlow3": 5.0,
    "CashFlow4": 30.0,
    "CashFlow5": 20.0,
}


def test_a_hand_worked_schedule():
    # Y1: available 20-5-1.5-10 = 3.5, draw 6.5 to the minimum.
    # Y2: amortisation capped at the 5 left; available -6.15, draw only the 5.5 headroom.
    # Y3: limit used up, no draw; Y4: repay all 12; Y5: nothing to repay.
    truth = revolver.schedule(HAND)
    assert truth["RevolverDraw"] == pytest.approx([6.5, 5.5, 0.0, -12.0, 0.0])
    assert truth["RevolverBalance"] == pytest.approx([6.5, 12.0, 12.0, 0.0, 0.0])
    assert truth["EndingCash"] == pytest.approx([10.0, -0.65, 3.15, 19.95, 39.95])
    assert truth["TotalInterest"] == pytest.approx([1.5, 1.15, 1.2, 1.2, 0.0])
    assert truth["ShortfallFlag"] == [0.0, 1.0, 1.0, 0.0, 0.0]


@pytest.mark.parametrize("seed", range(40))
def test_seeds_draw_and_repay_and_every_output_moves(seed):
    scenario = revolver.generate(Random(seed), revolver.Params())
    base = scenario.expected()
    assert max(base["RevolverDraw"]) > 1 and min(base["RevolverDraw"]) < -1
    moved = {name: False for name in base}
    for change in scenario.perturbations:
        changed = scenario.expected(change)
        assert all(v >= -1e-9 for v in changed["RevolverBalance"])
        assert all(
            v <= change.get("RevolverLimit", scenario.inputs["RevolverLimit"]) + 1e-9
            for v in changed["RevolverBalance"]
        )
        for name in base:
            moved[name] |= any(
                abs(a - b) > 1e-3 for a, b in zip(base[name], changed[name], strict=True)
            )
    assert all(moved.values()), moved


def test_some_seeds_hit_the_limit_and_some_do_not():
    flags = [
        max(revolver.generate(Random(s), revolver.Params()).expected()["ShortfallFlag"])
        for s in range(20)
    ]
    assert 0.0 in flags and 1.0 in flags
