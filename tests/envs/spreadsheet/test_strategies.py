"""Blunt strategies, replayed through the agent's tools: none earns half the reward any more.

Each was found paying the first verifier (a version kept as ``@1.0.1``) for less than
the task asks: a model with its rows in between left empty, cash as a plug beside no
cash flow statement, balances from closed forms, inputs typed in as numbers, an error
hidden inside IFERROR. The current versions must leave each below 0.5; where the old
version paid it, the test says so too, so it shows what the new verifier closed.
"""

import io
import json
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from skillgym.envs.spreadsheet import SpreadsheetEnv
from skillgym.envs.spreadsheet.cheats import strategies, typed_inputs
from skillgym.envs.spreadsheet.scenario import write_call
from tests.envs.episodes import assert_checks_readable

BUILDS = (
    "budget-variance",
    "cap-table-rounds",
    "cohort-revenue-build",
    "dcf-sensitivity-table",
    "dcf-valuation",
    "debt-schedule-revolver",
    "lease-vs-buy",
    "loan-amortization",
    "three-statement-model",
)
EVERY_TASK = ("paste-constants", "typed-inputs", "outputs-only", "swallowed-errors")
OWN = {
    "three-statement-model": ("plug", "plug-beside-cash-flow"),
    "loan-amortization": ("closed-form", "summary-only", "balloon-only"),
}
CASH_FLOWS_NEVER_MOVED = ("CashFlow1", "CashFlow2", "CashFlow3", "CashFlow5")
DCF_INPUTS = (
    *("Revenue0", "Growth", "EbitdaMargin", "DaPct", "CapexPct"),
    *("NwcPct", "TaxRate", "Wacc", "TerminalGrowth", "EntryPrice"),
)
CASES = [(task, name) for task in BUILDS for name in (*EVERY_TASK, *OWN.get(task, ()))]
OLD_PAID = [  # what the first verifier paid at least half for
    *[(task, name) for task in BUILDS for name in ("outputs-only", "swallowed-errors")],
    ("three-statement-model", "plug"),
    ("three-statement-model", "plug-beside-cash-flow"),
    ("loan-amortization", "closed-form"),
    ("loan-amortization", "summary-only"),
]


@pytest.fixture(scope="module")
def env() -> Iterator[SpreadsheetEnv]:
    environment = SpreadsheetEnv()
    yield environment
    environment.close()


def play(env: SpreadsheetEnv, task: str, calls: Any, seed: int = 0) -> tuple[float, dict]:
    """Reset, play ``calls`` (a list, or a function of the scenario), submit; reward, verdict."""
    env.reset(seed=seed, options={"task": task})
    if callable(calls):
        calls = calls(env._scenario)
    for call in [*calls, {"tool": "submit", "args": {}}]:
        obs, reward, terminated, _, info = env.step(json.dumps(call))
        assert terminated or obs["last_action_error"] == "", obs["last_action_error"]
    assert_checks_readable(info["verification"])
    return reward, info["verification"]


def essential_failures(verification: dict) -> list[str]:
    return [c.name for c in verification.checks if c.essential and not c.passed]


def test_the_family_plays_these_strategies_on_every_build_task(env):
    for task in BUILDS:
        env.reset(seed=0, options={"task": f"spreadsheet/{task}"})
        assert sorted(env.cheats()) == sorted((*EVERY_TASK, *OWN.get(task, ()))), task


@pytest.mark.parametrize(("task", "name"), CASES)
def test_each_strategy_scores_below_half(env, task, name):
    reward, verification = play(env, f"spreadsheet/{task}", lambda s: strategies(s)[name])
    assert reward < 0.5 and not verification.success
    assert essential_failures(verification) or name in ("paste-constants", "typed-inputs")


@pytest.mark.parametrize(("task", "name"), OLD_PAID)
def test_the_first_verifier_paid_it_at_least_half(env, task, name):
    reward, _ = play(env, f"spreadsheet/{task}@1.0.1", lambda s: strategies(s)[name])
    assert reward >= 0.5


def test_cash_as_the_plug_fails_on_the_empty_cash_flow_statement(env):
    _, verification = play(
        env, "spreadsheet/three-statement-model", lambda s: strategies(s)["plug"]
    )
    failed = essential_failures(verification)
    assert "formula: closing cash, years 1-3 (CF!C15:E15)" in failed
    assert "formula: net change in cash, years 1-3 (CF!C13:E13)" in failed


def test_cash_as_the_plug_beside_a_cash_flow_fails_the_link_from_closing_cash(env):
    _, verification = play(
        env, "spreadsheet/three-statement-model", lambda s: strategies(s)["plug-beside-cash-flow"]
    )
    failed = essential_failures(verification)
    assert "link: CF!C15 (closing cash, years 1-3) feeds BS!C2" in failed
    # and the plug's total assets no longer follow the assets: PP&E does not move them
    assert "link: BS!C5 (PP&E, years 1-3) feeds BS!C6, IS!D7, BS!D5" in failed
    assert not any(name.startswith(("formula:", "no error")) for name in failed)


def test_balances_from_closed_forms_in_every_column_fail_the_links(env):
    """Every column filled, each a closed form: values right, nothing linked."""

    def closed_forms(scenario):
        last = 1 + int(scenario.inputs["TermMonths"])
        rate, terms = "Inputs!$B$3/12", "Inputs!$B$4,-Inputs!$B$2,Inputs!$B$5"
        balance = f"FV({rate},A2-1,PMT({rate},{terms}),-Inputs!$B$2)"
        return [
            *scenario.solution,
            write_call(
                "Schedule",
                {
                    f"C2:C{last}": f"={balance}",
                    f"G2:G{last}": f"=FV({rate},A2,PMT({rate},{terms}),-Inputs!$B$2)",
                },
            ),
        ]

    reward, verification = play(env, "spreadsheet/loan-amortization", closed_forms)
    assert reward < 0.5
    values = [c for c in verification.checks if c.name.startswith("value:")]
    assert all(c.passed for c in values)
    assert [name.split(" (")[0] for name in essential_failures(verification)] == [
        "link: Schedule!C2",
        "link: Schedule!F2",
        "link: Schedule!G2",
    ]
    old, _ = play(env, "spreadsheet/loan-amortization@1.0.1", closed_forms)
    assert old == 1.0


def test_the_balloon_alone_stays_low(env):
    for task in ("spreadsheet/loan-amortization", "spreadsheet/loan-amortization@1.0.1"):
        reward, _ = play(env, task, lambda s: strategies(s)["balloon-only"])
        assert reward < 0.2


def test_a_dcf_with_rows_2_to_9_11_12_and_15_empty_scores_below_half(env):
    """Only the named outputs, FCF computed in one formula per year."""

    def fcf(year: str) -> str:
        revenue = f"Inputs!$B$2*(1+Inputs!$B$3)^{year}"
        previous = f"Inputs!$B$2*(1+Inputs!$B$3)^({year}-1)"
        return (
            f"={revenue}*(Inputs!$B$4-Inputs!$B$5)*(1-Inputs!$B$8)+{revenue}*Inputs!$B$5"
            f"-{revenue}*Inputs!$B$6-Inputs!$B$7*({revenue}-{previous})"
        )

    cells = {f"{col}10": fcf(f"{col}1") for col in "CDEFG"}
    cells |= {
        "G14": "=G10*(1+Inputs!$B$10)/(Inputs!$B$9-Inputs!$B$10)",
        "C16": "=NPV(Inputs!$B$9,C10:G10)+G14/(1+Inputs!$B$9)^5",
        "B17": "=-Inputs!$B$11",
        "C17:F17": "=C10",
        "G17": "=G10+G14",
        "C18": "=IRR(B17:G17)",
    }
    calls = [write_call("Model", cells)]
    old, _ = play(env, "spreadsheet/dcf-valuation@1.0.1", calls)
    assert old == 1.0
    reward, verification = play(env, "spreadsheet/dcf-valuation", calls)
    assert reward < 0.5
    assert "formula: NOPAT, years 1-5 (Model!C7:G7)" in essential_failures(verification)


@pytest.mark.parametrize(
    ("task", "typed"),
    [
        (  # the first verifier never moved these 7 of its 10 inputs
            "dcf-valuation",
            ("Revenue0", "DaPct", "CapexPct", "NwcPct", "TaxRate", "TerminalGrowth", "EntryPrice"),
        ),
        (  # nor these 8 of 13
            "debt-schedule-revolver",
            (*("OpeningCash", "TermLoan0", "TermAmort", "Revolver0"), *CASH_FLOWS_NEVER_MOVED),
        ),
    ],
)
def test_inputs_the_first_verifier_never_moved_typed_in_score_below_half(env, task, typed):
    old, _ = play(env, f"spreadsheet/{task}@1.0.1", lambda s: typed_inputs(s, typed))
    assert old == 1.0
    reward, _ = play(env, f"spreadsheet/{task}", lambda s: typed_inputs(s, typed))
    assert reward < 0.5


@pytest.mark.parametrize("name", DCF_INPUTS)
def test_any_one_input_typed_in_fails_a_sensitivity_check(env, name):
    _, verification = play(env, "spreadsheet/dcf-valuation", lambda s: typed_inputs(s, [name]))
    missed = [c for c in verification.checks if c.name.startswith("sensitivity")]
    assert not all(c.passed for c in missed) and not verification.success


def test_an_error_hidden_by_iferror_fails_the_gate_and_the_formula_is_left_as_it_was(env):
    broken = "=1/(Wacc-Wacc)"
    hidden = "=IFERROR(1/(Wacc-Wacc),0)"

    def with_row(formula):
        return lambda s: [*s.solution, write_call("Model", {"C20:G20": formula})]

    old_broken, _ = play(env, "spreadsheet/dcf-valuation@1.0.1", with_row(broken))
    old_hidden, _ = play(env, "spreadsheet/dcf-valuation@1.0.1", with_row(hidden))
    assert (old_broken, old_hidden) == (0.5, 1.0)
    reward, verification = play(env, "spreadsheet/dcf-valuation", with_row(hidden))
    assert reward < 0.5
    (gate,) = [c for c in verification.checks if c.name.startswith("no errors hidden")]
    assert not gate.passed and gate.essential
    assert gate.actual.startswith(
        "what these guard is an error: Model!C20 =IFERROR(1/(Wacc-Wacc),0); Model!D20"
    )
    book = openpyxl.load_workbook(io.BytesIO(env.artifact("workbook.xlsx")))
    assert book["Model"]["E20"].value == "=IFERROR(1/(Wacc-Wacc),0)"


def test_the_iferror_the_instruction_asks_for_passes(env):
    # budget-variance: E = IFERROR(variance/budget, 0), an account with no budget among them
    _, verification = play(env, "spreadsheet/budget-variance", lambda s: s.solution)
    (gate,) = [c for c in verification.checks if c.name.startswith("no errors hidden")]
    assert gate.passed and verification.score == 1.0
    reward, verification = play(
        env,
        "spreadsheet/budget-variance",
        lambda s: [*s.solution, write_call("Report", {"D6": "=IFERROR(B6-C6/0,B6-C6)"})],
    )
    assert reward < 0.5 and essential_failures(verification) == [
        "no errors hidden by IFERROR, IFNA, ISERROR and the like"
    ]
