"""A 5-year debt schedule: a term loan with mandatory amortisation and a cash-sweep revolver.

The revolver draws what keeps cash at the minimum (up to its limit) and is repaid from
cash above the minimum; interest accrues on opening balances, so there is no circularity.

Verifier 1 checked the draw, the revolver balance, ending cash, total interest and the
flag, with three fixed changes that left 8 of the 13 inputs unmoved. Verifier 2 checks
every row of the schedule (each named), that each opening balance is the previous
closing one and each row is built from the rows the instruction names, and moves
every input, the revolver limit to where it binds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from random import Random

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict

from skillgym.envs.spreadsheet.scenario import (
    Cells,
    Coverage,
    Link,
    Output,
    Overrides,
    Scenario,
    define_name,
    inputs_sheet,
    write_call,
)

YEARS = 5
COLUMNS = "CDEFG"
COMPANIES = (
    "Halden Packaging",
    "Kestrel Aerostructures",
    "Lumen Textiles",
    "Marlow Brewing Co.",
    "Pinecrest Hotels",
    "Redwater Chemicals",
)

INPUTS = (  # name, label, row on Inputs
    ("OpeningCash", "Cash at the start of year 1 ($m)", 2),
    ("MinCash", "Minimum cash balance ($m)", 3),
    ("TermLoan0", "Term loan balance at the start of year 1 ($m)", 4),
    ("TermAmort", "Term loan mandatory amortisation per year ($m)", 5),
    ("TermRate", "Term loan interest rate (on the opening balance)", 6),
    ("RevolverLimit", "Revolver limit ($m)", 7),
    ("Revolver0", "Revolver balance at the start of year 1 ($m)", 8),
    ("RevolverRate", "Revolver interest rate (on the opening balance)", 9),
)
CASH_FLOWS = tuple(f"CashFlow{t}" for t in range(1, YEARS + 1))  # Inputs!C12:G12
ROWS = (
    "Year",
    "Operating cash flow before debt service",
    "Term loan",
    "Opening balance",
    "Interest",
    "Mandatory amortisation",
    "Closing balance",
    "Revolver",
    "Opening balance",
    "Interest",
    "Draw / (repayment)",
    "Closing balance",
    "Cash",
    "Opening cash",
    "Cash available before the revolver",
    "Ending cash",
    "",
    "Total interest expense",
    "Shortfall flag (1 = ending cash below the minimum)",
)


def run(x: Mapping[str, float], limit: float | None = None) -> dict[str, list[float]]:
    """Year by year from the inputs alone; ``limit`` overrides the revolver limit."""
    cap = x["RevolverLimit"] if limit is None else limit
    term, revolver, cash = x["TermLoan0"], x["Revolver0"], x["OpeningCash"]
    found: dict[str, list[float]] = {
        "RevolverDraw": [],
        "RevolverBalance": [],
        "EndingCash": [],
        "TotalInterest": [],
        "ShortfallFlag": [],
    }
    for name in CASH_FLOWS:
        term_interest = term * x["TermRate"]
        amortisation = min(x["TermAmort"], term)
        revolver_interest = revolver * x["RevolverRate"]
        available = cash + x[name] - term_interest - revolver_interest - amortisation
        need, headroom = x["MinCash"] - available, cap - revolver
        draw = max(-revolver, min(headroom, need)) + 0.0  # never -0.0
        term -= amortisation
        revolver += draw
        cash = available + draw
        found["RevolverDraw"].append(draw)
        found["RevolverBalance"].append(revolver)
        found["EndingCash"].append(cash)
        found["TotalInterest"].append(term_interest + revolver_interest)
        found["ShortfallFlag"].append(1.0 if need > headroom else 0.0)
    return found


def schedule(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth, computed from the inputs alone."""
    return run(x)


ROW_NAMES = (  # verifier 2: every row of years 1-5 -> (row, label); the starts in column B
    ("OperatingCashFlow", 2, "operating cash flow"),
    ("TermLoanOpening", 4, "term loan opening balance"),
    ("TermLoanInterest", 5, "term loan interest"),
    ("Amortisation", 6, "mandatory amortisation"),
    ("TermLoanClosing", 7, "term loan closing balance"),
    ("RevolverOpening", 9, "revolver opening balance"),
    ("RevolverInterest", 10, "revolver interest"),
    ("RevolverDraw", 11, "revolver draw (+) / repayment (-)"),
    ("RevolverBalance", 12, "revolver closing balance"),
    ("CashOpening", 14, "opening cash"),
    ("CashAvailable", 15, "cash available before the revolver"),
    ("EndingCash", 16, "ending cash"),
    ("TotalInterest", 18, "total interest expense"),
    ("ShortfallFlag", 19, "shortfall flag"),
)
STARTS = (  # column B, year 0
    ("TermLoanStart", 7, "term loan balance at the start"),
    ("RevolverStart", 12, "revolver balance at the start"),
    ("CashStart", 16, "cash at the start"),
)
LINKS = (  # row -> the year-1 cells (or year 2, "+1") whose formulas use its year-1 cell
    ("OperatingCashFlow", "CashAvailable"),
    ("TermLoanStart", "TermLoanOpening"),
    ("TermLoanOpening", "TermLoanInterest Amortisation TermLoanClosing"),
    ("TermLoanInterest", "CashAvailable TotalInterest"),
    ("Amortisation", "TermLoanClosing CashAvailable"),
    ("TermLoanClosing", "TermLoanOpening+1"),
    ("RevolverStart", "RevolverOpening"),
    ("RevolverOpening", "RevolverInterest RevolverDraw RevolverBalance"),
    ("RevolverInterest", "CashAvailable TotalInterest"),
    ("RevolverDraw", "RevolverBalance EndingCash"),
    ("RevolverBalance", "RevolverOpening+1"),
    ("CashStart", "CashOpening"),
    ("CashOpening", "CashAvailable"),
    ("CashAvailable", "RevolverDraw EndingCash"),
    ("EndingCash", "CashOpening+1 ShortfallFlag"),
)


def all_rows(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every row of the schedule, some cells held (verifier 2's truth)."""
    cells = Cells(held)
    put = cells.put
    term = put("TermLoanStart", x["TermLoan0"])
    revolver = put("RevolverStart", x["Revolver0"])
    cash = put("CashStart", x["OpeningCash"])
    for name in CASH_FLOWS:
        flow = put("OperatingCashFlow", x[name])
        opening = put("TermLoanOpening", term)
        term_interest = put("TermLoanInterest", opening * x["TermRate"])
        amortisation = put("Amortisation", min(x["TermAmort"], opening))
        term = put("TermLoanClosing", opening - amortisation)
        revolver_opening = put("RevolverOpening", revolver)
        revolver_interest = put("RevolverInterest", revolver_opening * x["RevolverRate"])
        cash_opening = put("CashOpening", cash)
        available = put(
            "CashAvailable",
            cash_opening + flow - term_interest - revolver_interest - amortisation,
        )
        headroom = x["RevolverLimit"] - revolver_opening
        draw = put(
            "RevolverDraw",
            max(-revolver_opening, min(headroom, x["MinCash"] - available)) + 0.0,
        )
        revolver = put("RevolverBalance", revolver_opening + draw)
        cash = put("EndingCash", available + draw)
        put("TotalInterest", term_interest + revolver_interest)
        short = cash < x["MinCash"] and not _close(cash, x["MinCash"])
        put("ShortfallFlag", 1.0 if short else 0.0)
    return cells.rows


def _close(a: float, b: float) -> bool:
    """Equal as the spreadsheet compares (to about 15 significant digits)."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0)


def _binding_limit(rng: Random, limit: float, x: Mapping[str, float]) -> float:
    """A limit the revolver runs into: below its peak without one."""
    peak = max(run(x, limit=math.inf)["RevolverBalance"])
    floor = math.floor(x["Revolver0"]) + 1
    return float(max(floor, round(peak * rng.uniform(0.5, 0.85))))


def _other_start(rng: Random, balance: float) -> float:
    if balance == 0:
        return float(rng.randrange(20, 80)) / 10
    return round(balance * rng.uniform(0.6, 1.4), 1)


def coverage(inputs: Mapping[str, float]) -> Coverage:
    """What verifier 2 checks: every row, how the rows link, every input moved."""
    outputs = [Output(name, f"{label}, years 1-5") for name, _, label in ROW_NAMES]
    outputs += [Output(name, label) for name, _, label in STARTS]
    links = []
    for source, dependents in LINKS:
        cells = []
        for item in dependents.split():
            name, _, later = item.partition("+")
            cells.append((name, 1 if later else 0))
        links.append(Link(source, tuple(cells)))
    old = {"RevolverDraw", "RevolverBalance", "EndingCash", "TotalInterest", "ShortfallFlag"}
    names = {name: f"Debt!C{row}:G{row}" for name, row, _ in ROW_NAMES if name not in old}
    names |= {name: f"Debt!B{row}" for name, row, _ in STARTS}
    return Coverage(
        outputs=outputs,
        truth=all_rows,
        links=links,
        headline=tuple(sorted(old)),
        names=names,
        moves={
            "RevolverLimit": lambda rng, limit: _binding_limit(rng, limit, inputs),
            "Revolver0": _other_start,
        },
        valid=lambda x: x["RevolverLimit"] > x["Revolver0"] and x["MinCash"] >= 0,
    )


def draw_inputs(rng: Random) -> dict[str, float]:
    """One draw of the assumptions, before the revolver limit is set."""
    amort = rng.randrange(50, 120) / 10
    flows = (
        rng.randrange(-150, 60),
        rng.randrange(-260, -40),
        rng.randrange(-60, 150),
        rng.randrange(150, 350),
        rng.randrange(250, 450),
    )
    inputs = {
        "OpeningCash": rng.randrange(150, 400) / 10,
        "MinCash": rng.randrange(80, 150) / 10,
        "TermLoan0": round(amort * rng.randrange(7, 16) / 2, 1),
        "TermAmort": amort,
        "TermRate": rng.randrange(50, 85) / 1000,
        "RevolverLimit": 0.0,
        "Revolver0": rng.choice((0.0, rng.randrange(20, 100) / 10)),
        "RevolverRate": rng.randrange(65, 110) / 1000,
    }
    inputs.update({name: flow / 10 for name, flow in zip(CASH_FLOWS, flows, strict=True)})
    return inputs


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw a downturn and recovery; size the revolver; lay out Inputs and an empty Debt."""
    while True:  # until the revolver both draws and is repaid, with or without the limit
        inputs = draw_inputs(rng)
        peak = max(run(inputs, limit=math.inf)["RevolverBalance"])
        binding = rng.random() < 0.35  # some seeds run into the limit
        low = max(5 * math.floor(peak * 0.75 / 5), math.floor(inputs["Revolver0"]) + 1)
        high = 5 * math.ceil(peak * rng.uniform(1.3, 1.8) / 5)
        inputs["RevolverLimit"] = float(low if binding else high)
        other_limit = float(high if binding else low)
        draws = [run(inputs, limit=cap)["RevolverDraw"] for cap in (low, high)]
        if low < peak - 1 and all(max(d) > 1 and min(d) < -1 for d in draws):
            break

    workbook = Workbook()
    sheet = inputs_sheet(workbook, INPUTS, inputs)
    sheet["A11"], sheet["A12"] = "Year", "Operating cash flow before debt service ($m)"
    for t, (column, name) in enumerate(zip(COLUMNS, CASH_FLOWS, strict=True), start=1):
        sheet[f"{column}11"], sheet[f"{column}12"] = t, inputs[name]
        define_name(workbook, name, "Inputs", f"{column}12")
    model = workbook.create_sheet("Debt")
    for row, label in enumerate(ROWS, start=1):
        model[f"A{row}"] = label
    model["B1"] = 0
    for t, column in enumerate(COLUMNS, start=1):
        model[f"{column}1"] = t
    define_name(workbook, "RevolverDraw", "Debt", "C11:G11")
    define_name(workbook, "RevolverBalance", "Debt", "C12:G12")
    define_name(workbook, "EndingCash", "Debt", "C16:G16")
    define_name(workbook, "TotalInterest", "Debt", "C18:G18")
    define_name(workbook, "ShortfallFlag", "Debt", "C19:G19")
    solution = [
        write_call(
            "Debt",
            {
                "C2:G2": "=Inputs!C12",
                "B7": "=Inputs!$B$4",
                "C4:G4": "=B7",
                "C5:G5": "=C4*Inputs!$B$6",
                "C6:G6": "=MIN(Inputs!$B$5,C4)",
                "C7:G7": "=C4-C6",
                "B12": "=Inputs!$B$8",
                "C9:G9": "=B12",
                "C10:G10": "=C9*Inputs!$B$9",
                "B16": "=Inputs!$B$2",
                "C14:G14": "=B16",
                "C15:G15": "=C14+C2-C5-C10-C6",
                "C11:G11": "=MAX(-C9,MIN(Inputs!$B$7-C9,Inputs!$B$3-C15))",
                "C12:G12": "=C9+C11",
                "C16:G16": "=C15+C11",
                "C18:G18": "=C5+C10",
                "C19:G19": "=IF(C16<Inputs!$B$3,1,0)",
            },
        )
    ]
    return Scenario(
        workbook=workbook,
        variables={"company": rng.choice(COMPANIES)},
        inputs=inputs,
        outputs=[
            Output("RevolverDraw", "revolver draw (+) / repayment (-), years 1-5"),
            Output("RevolverBalance", "revolver closing balance, years 1-5"),
            Output("EndingCash", "ending cash, years 1-5"),
            Output("TotalInterest", "total interest expense, years 1-5"),
            Output("ShortfallFlag", "shortfall flag, years 1-5"),
        ],
        truth=schedule,
        perturbations=[
            {"RevolverLimit": other_limit},
            {
                "TermRate": inputs["TermRate"] + 0.01,
                "RevolverRate": inputs["RevolverRate"] + 0.015,
            },
            {
                "MinCash": inputs["MinCash"] + 4,
                "CashFlow4": inputs["CashFlow4"] - 8,
            },
        ],
        solution=solution,
        model_sheets=["Debt"],
        first_view="Debt!A1:G19",
        coverage=coverage(inputs),
    )
