"""Repair a colleague's five-year operating model: three seeded bugs among its formulas.

The starting workbook holds a complete P&L projection (revenue to net income, with a
term loan's interest) whose formulas were built right except for three bugs drawn
from five kinds, each put in a seeded row and year: a missing ``$`` that makes a
filled formula drift off its input, a ``#REF!`` left by a deleted reference, a cost
added instead of subtracted, a number pasted over a formula, and a SUM that stops a
row short. The verifier checks outputs downstream of every bug, so leaving the model
as it is scores nothing; the oracle rewrites the cells the generator broke.

From verifier 2 (``params: {strict: true}``) an :class:`Audit` also checks what the
instruction forbids and asks: the Inputs sheet and the layout as generated, each bug
fixed in its own cells (right as given and under every sensitivity change, and
followed by the outputs), and the rest of the model still right. :func:`cheat_calls`
holds the strategies it exists for: rewriting the outputs around the bugs, fixing
through the Inputs sheet, inserting rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from random import Random
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict

from skillgym.envs.spreadsheet.scenario import (
    Output,
    Scenario,
    define_name,
    inputs_sheet,
    write_call,
)

YEARS = 5
COLUMNS = "CDEFG"  # years 1-5; column B is the base year (revenue only)
COMPANIES = (
    ("Larkspur Coffee Roasters", "Dana"),
    ("Meridian Pet Supplies", "Priya"),
    ("Copperline Fitness", "Marcus"),
    ("Tidewater Marine Parts", "Elena"),
    ("Brightleaf Learning", "Tom"),
    ("Summit Ridge Outfitters", "Aisha"),
)
COLLEAGUES = ("Jordan", "Sam", "Alex", "Chris", "Robin", "Kai")

INPUTS = (  # name, label, row on Inputs
    ("Revenue0", "Base-year (year 0) revenue ($m)", 2),
    ("Growth", "Revenue growth per year", 3),
    ("CogsPct", "COGS (% of revenue)", 4),
    ("SalesPct", "Sales & marketing (% of revenue)", 5),
    ("GaYear1", "G&A in year 1 ($m)", 6),
    ("GaGrowth", "G&A growth per year after year 1", 7),
    ("RndPct", "R&D (% of revenue)", 8),
    ("DaPct", "D&A (% of revenue)", 9),
    ("LoanOpening", "Term loan balance at the start of year 1 ($m)", 10),
    ("Repayment", "Loan repaid at the end of each year ($m)", 11),
    ("InterestRate", "Interest rate (on the opening loan balance)", 12),
    ("TaxRate", "Tax rate (on pre-tax income)", 13),
)
LABELS = {
    1: "Year",
    2: "Revenue",
    3: "COGS",
    4: "Gross profit",
    5: "Sales & marketing",
    6: "G&A",
    7: "R&D",
    8: "Total opex",
    9: "EBITDA",
    10: "D&A",
    11: "EBIT",
    12: "Opening loan balance",
    13: "Interest",
    14: "Pre-tax income",
    15: "Tax",
    16: "Net income",
    18: "5-year EBITDA",
    19: "5-year net income",
}

# The model's right formula for each row, per year column (``c``) and the column before (``p``).
Formula = Callable[[str, str], str]
RIGHT: dict[int, Formula] = {
    2: lambda c, p: f"={p}2*(1+Inputs!$B$3)",
    3: lambda c, p: f"={c}2*Inputs!$B$4",
    4: lambda c, p: f"={c}2-{c}3",
    5: lambda c, p: f"={c}2*Inputs!$B$5",
    6: lambda c, p: "=Inputs!$B$6" if c == "C" else f"={p}6*(1+Inputs!$B$7)",
    7: lambda c, p: f"={c}2*Inputs!$B$8",
    8: lambda c, p: f"=SUM({c}5:{c}7)",
    9: lambda c, p: f"={c}4-{c}8",
    10: lambda c, p: f"={c}2*Inputs!$B$9",
    11: lambda c, p: f"={c}9-{c}10",
    12: lambda c, p: "=Inputs!$B$10" if c == "C" else f"={p}12-Inputs!$B$11",
    13: lambda c, p: f"={c}12*Inputs!$B$12",
    14: lambda c, p: f"={c}11-{c}13",
    15: lambda c, p: f"={c}14*Inputs!$B$13",
    16: lambda c, p: f"={c}14-{c}15",
}
TOTALS = {"C18": "=SUM(C9:G9)", "C19": "=SUM(C16:G16)"}

# Where each kind of bug may go (rows of the Model sheet).
PERCENT_ROWS = {
    3: (2, 4),
    5: (2, 5),
    7: (2, 8),
    10: (2, 9),
    15: (14, 13),
}  # row: (base row, input row)
SUBTRACTIONS = {4: (2, 3), 9: (4, 8), 11: (9, 10), 14: (11, 13), 16: (14, 15)}  # row: (from, less)
PASTE_ROWS = (2, 6, 12, 13)
SUM_ROW = 8
KINDS = ("missing-dollar", "ref-error", "sign", "hard-coded", "short-sum")
EBITDA_ROW = 9


def model_cells(
    x: Mapping[str, float], overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Every cell of the right model (B2, C2:G16, C18, C19) as its formulas give it.

    ``overrides`` pins cells to numbers, as a number typed over a formula would: the
    cells that depend on one move with it.
    """
    pinned = overrides or {}
    cells: dict[str, float] = {}

    def put(cell: str, value: float) -> float:
        cells[cell] = pinned.get(cell, value)
        return cells[cell]

    put("B2", x["Revenue0"])
    for c in COLUMNS:
        p = chr(ord(c) - 1)
        revenue = put(f"{c}2", cells[f"{p}2"] * (1 + x["Growth"]))
        cogs = put(f"{c}3", revenue * x["CogsPct"])
        gross = put(f"{c}4", revenue - cogs)
        sales = put(f"{c}5", revenue * x["SalesPct"])
        ga = put(f"{c}6", x["GaYear1"] if c == "C" else cells[f"{p}6"] * (1 + x["GaGrowth"]))
        rnd = put(f"{c}7", revenue * x["RndPct"])
        opex = put(f"{c}8", sales + ga + rnd)
        ebitda = put(f"{c}9", gross - opex)
        da = put(f"{c}10", revenue * x["DaPct"])
        ebit = put(f"{c}11", ebitda - da)
        loan = put(f"{c}12", x["LoanOpening"] if c == "C" else cells[f"{p}12"] - x["Repayment"])
        interest = put(f"{c}13", loan * x["InterestRate"])
        pretax = put(f"{c}14", ebit - interest)
        tax = put(f"{c}15", pretax * x["TaxRate"])
        put(f"{c}16", pretax - tax)
    put("C18", sum(cells[f"{c}9"] for c in COLUMNS))
    put("C19", sum(cells[f"{c}16"] for c in COLUMNS))
    return cells


def project(x: Mapping[str, float]) -> dict[int, list[float]]:
    """Every row of the right model, years 1-5, computed as its formulas do."""
    cells = model_cells(x)
    return {row: [cells[f"{c}{row}"] for c in COLUMNS] for row in RIGHT}


def outputs_of(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth: EBITDA and net income per year and their 5-year totals."""
    rows = project(x)
    return {
        "Ebitda": rows[9],
        "NetIncome": rows[16],
        "TotalEbitda": [sum(rows[9])],
        "TotalNetIncome": [sum(rows[16])],
    }


def draw_inputs(rng: Random) -> dict[str, float]:
    """Assumptions of a profitable mid-size business with a term loan."""
    revenue = float(rng.randrange(400, 2500)) / 10
    loan = float(round(revenue * rng.uniform(0.2, 0.5)))
    return {
        "Revenue0": revenue,
        "Growth": rng.randrange(30, 120) / 1000,
        "CogsPct": rng.randrange(380, 520) / 1000,
        "SalesPct": rng.randrange(80, 140) / 1000,
        "GaYear1": float(round(revenue * rng.uniform(0.06, 0.1), 1)),
        "GaGrowth": rng.randrange(20, 50) / 1000,
        "RndPct": rng.randrange(30, 70) / 1000,
        "DaPct": rng.randrange(20, 45) / 1000,
        "LoanOpening": loan,
        "Repayment": float(round(loan * rng.uniform(0.08, 0.18), 1)),
        "InterestRate": rng.randrange(50, 95) / 1000,
        "TaxRate": rng.randrange(21, 30) / 100,
    }


def perturbations_of(x: Mapping[str, float]) -> list[dict[str, float]]:
    """Three changes that between them move every input (so no pasted number survives)."""
    return [
        {
            "Revenue0": round(x["Revenue0"] * 1.1, 1),
            "Growth": x["Growth"] + 0.02,
            "GaGrowth": x["GaGrowth"] + 0.01,
            "Repayment": round(x["Repayment"] * 0.8, 1),
        },
        {
            "CogsPct": x["CogsPct"] - 0.02,
            "SalesPct": x["SalesPct"] + 0.01,
            "DaPct": x["DaPct"] + 0.005,
            "InterestRate": x["InterestRate"] + 0.01,
        },
        {
            "GaYear1": round(x["GaYear1"] * 1.1, 1),
            "RndPct": x["RndPct"] - 0.01,
            "LoanOpening": round(x["LoanOpening"] * 1.2),
            "TaxRate": x["TaxRate"] + 0.03,
        },
    ]


def sensible(x: Mapping[str, float]) -> bool:
    """Pre-tax income positive every year and the loan never repaid past zero."""
    rows = project(x)
    return min(rows[14]) > 1.0 and min(rows[12]) > 0


def draw_bugs(rng: Random) -> list[tuple[str, int, str]]:
    """Three bugs ``(kind, row, column)`` of different kinds in different rows.

    At least one sits at or above EBITDA, so every checked output is wrong in the
    starting workbook (net income is downstream of every row).
    """
    while True:
        kinds = rng.sample(KINDS, 3)
        bugs = []
        for kind in kinds:
            if kind == "missing-dollar":
                row = rng.choice(sorted(PERCENT_ROWS))
            elif kind in ("ref-error", "sign"):
                row = rng.choice(sorted(SUBTRACTIONS))
            elif kind == "hard-coded":
                row = rng.choice(PASTE_ROWS)
            else:
                row = SUM_ROW
            bugs.append((kind, row, "C" if kind == "missing-dollar" else rng.choice(COLUMNS)))
        rows = [row for _, row, _ in bugs]
        if len(set(rows)) == 3 and min(rows) <= EBITDA_ROW:
            return bugs


def broken_cells(
    bug: tuple[str, int, str], right: dict[int, list[float]], rng: Random
) -> dict[str, Any]:
    """The cells a bug replaces, with their broken contents."""
    kind, row, column = bug
    if kind == "missing-dollar":
        base, input_row = PERCENT_ROWS[row]
        return {  # written in C with Inputs!B.. and filled right: the input reference drifts
            f"{c}{row}": f"={c}{base}*Inputs!{chr(ord('B') + i)}{input_row}"
            for i, c in enumerate(COLUMNS)
        }
    if kind == "ref-error":
        return {f"{column}{row}": f"={column}{SUBTRACTIONS[row][0]}-#REF!"}
    if kind == "sign":
        first, second = SUBTRACTIONS[row]
        return {f"{column}{row}": f"={column}{first}+{column}{second}"}
    if kind == "hard-coded":
        value = right[row][COLUMNS.index(column)]
        off = rng.uniform(0.03, 0.08) * rng.choice((-1, 1))
        return {f"{column}{row}": round(value * (1 + off), 2)}
    return {f"{column}{row}": f"=SUM({column}5:{column}6)"}  # leaves R&D out of total opex


def right_formula(row: int, column: str) -> str:
    """The right formula of one model cell."""
    return RIGHT[row](column, chr(ord(column) - 1))


class Params(BaseModel):
    """``strict`` (verifier 2): the audit of inputs, layout and each fix in place."""

    model_config = ConfigDict(extra="forbid")

    strict: bool = False


def generate(rng: Random, params: Params) -> Scenario:
    """Draw the assumptions and three bugs; lay out Inputs and the broken Model.

    ``params["strict"]`` (verifier 2) adds the :class:`Audit`: inputs and layout as given,
    each bug fixed in place, the rest of the model right. It draws nothing more.
    """
    while True:
        inputs = draw_inputs(rng)
        perturbations = perturbations_of(inputs)
        if all(sensible({**inputs, **change}) for change in [{}, *perturbations]):
            break
    bugs = draw_bugs(rng)
    right = project(inputs)

    workbook = Workbook()
    sheet = inputs_sheet(workbook, INPUTS, inputs)
    sheet.column_dimensions["A"].width = 46

    model = workbook.create_sheet("Model")
    model.column_dimensions["A"].width = 22
    for row, label in LABELS.items():
        model[f"A{row}"] = label
    model["B1"] = 0
    model["B2"] = "=Inputs!$B$2"
    for t, column in enumerate(COLUMNS, start=1):
        model[f"{column}1"] = t
        for row in RIGHT:
            model[f"{column}{row}"] = right_formula(row, column)
    for cell, formula in TOTALS.items():
        model[cell] = formula
    fixes: dict[str, str] = {}
    planted: list[tuple[str, ...]] = []
    for bug in bugs:
        cells = broken_cells(bug, right, rng)
        for cell, content in cells.items():
            model[cell] = content
            row = int(cell[1:])
            fixes[cell] = right_formula(row, cell[0])
        planted.append(tuple(cells))

    define_name(workbook, "Ebitda", "Model", "C9:G9")
    define_name(workbook, "NetIncome", "Model", "C16:G16")
    define_name(workbook, "TotalEbitda", "Model", "C18")
    define_name(workbook, "TotalNetIncome", "Model", "C19")

    company, manager = rng.choice(COMPANIES)
    scenario = Scenario(
        workbook=workbook,
        variables={
            "company": company,
            "manager": manager,
            "colleague": rng.choice(COLLEAGUES),
        },
        inputs=inputs,
        outputs=[
            Output("Ebitda", "EBITDA, years 1-5"),
            Output("NetIncome", "net income, years 1-5"),
            Output("TotalEbitda", "5-year EBITDA"),
            Output("TotalNetIncome", "5-year net income"),
        ],
        truth=outputs_of,
        perturbations=perturbations,
        solution=[write_call("Model", dict(sorted(fixes.items())))],
        model_sheets=["Model"],
        first_view="Model!A1:G19",
    )
    if params.strict:
        _audit(scenario, generated(sheet), planted)
    return scenario


def _audit(scenario: Scenario, given: dict[str, Any], bugs: list[tuple[str, ...]]) -> None:
    """Give ``scenario`` the audit as its task checks, and the strategies it exists for as cheats."""
    # The audit reads this module's model, so it is imported here rather than at the top.
    from .audit import Audit, cheat_calls

    scenario.task_checks = Audit(scenario.inputs, scenario.perturbations, given, bugs)
    scenario.shortcuts = cheat_calls(scenario)


def generated(sheet: Any) -> dict[str, Any]:
    """Every non-empty cell of an openpyxl sheet by address."""
    return {c.coordinate: c.value for row in sheet.iter_rows() for c in row if c.value is not None}
