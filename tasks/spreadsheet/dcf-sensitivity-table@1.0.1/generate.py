"""A compact DCF to an implied share price, and its WACC x terminal-growth sensitivity table.

Inputs: five years of unlevered free cash flow, the base WACC and terminal growth, the
steps of the sensitivity, net debt and shares outstanding. The agent values the company
(NPV of the forecast plus the PV of a Gordon terminal value, less net debt, per share),
then builds a 5x5 table of the share price whose headers are formulas off the base case
(base +/- one and two steps), each cell priced from its own row and column headers.

Verifier 2 also checks the PV of the forecast, the terminal value and its PV and the
equity value (B3:B5, B7, named), that each line of the valuation is built from the
lines above it and each table cell from its row's and its column's header, and moves
every input.
"""

from __future__ import annotations

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
    write_call,
)
from skillgym.envs.spreadsheet.solvers import npv

YEARS = 5
STEPS = (-2, -1, 0, 1, 2)
FCF_COLUMNS = "BCDEF"  # years 1-5 on Inputs
TABLE_COLUMNS = "CDEFG"  # terminal growth values on Model
HEADER_ROW = 11  # terminal growth across C11:G11
FIRST = HEADER_ROW + 1  # WACC down B12:B16
LAST = FIRST + len(STEPS) - 1
CENTRE = FIRST + STEPS.index(0)
COMPANIES = (
    "Halvorsen Industrial",
    "Meridian Outdoor",
    "Copperline Telecom",
    "Vantage Dental Group",
    "Silverleaf Packaging",
)
SCALARS = (  # name, label, row on Inputs, number format
    ("Wacc", "WACC (base case)", 5, "0.00%"),
    ("TerminalGrowth", "Terminal growth (base case)", 6, "0.00%"),
    ("WaccStep", "WACC step for the sensitivity table", 7, "0.00%"),
    ("GrowthStep", "Terminal growth step for the sensitivity table", 8, "0.00%"),
    ("NetDebt", "Net debt ($m)", 9, "#,##0.0"),
    ("Shares", "Diluted shares outstanding (m)", 10, "#,##0.0"),
)


def _fcf(year: int) -> str:
    return f"Fcf{year}"


def enterprise_value(x: Mapping[str, float], wacc: float, growth: float) -> float:
    """NPV of the five FCFs plus the PV of the Gordon terminal value on year-5 FCF."""
    flows = [x[_fcf(t)] for t in range(1, YEARS + 1)]
    terminal = flows[-1] * (1 + growth) / (wacc - growth)
    return npv(wacc, flows) + terminal / (1 + wacc) ** YEARS


def share_price(x: Mapping[str, float], wacc: float, growth: float) -> float:
    """The implied price per share at one WACC and terminal growth."""
    return (enterprise_value(x, wacc, growth) - x["NetDebt"]) / x["Shares"]


def valuation(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth, computed from the inputs alone."""
    waccs = [x["Wacc"] + k * x["WaccStep"] for k in STEPS]
    growths = [x["TerminalGrowth"] + k * x["GrowthStep"] for k in STEPS]
    return {
        "EnterpriseValue": [enterprise_value(x, x["Wacc"], x["TerminalGrowth"])],
        "SharePrice": [share_price(x, x["Wacc"], x["TerminalGrowth"])],
        "WaccHeaders": waccs,
        "GrowthHeaders": growths,
        "PriceTable": [share_price(x, w, g) for w in waccs for g in growths],
    }


def all_cells(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every line of the valuation and every cell of the table, some held (verifier 2's truth)."""
    cells = Cells(held)
    flows = [x[_fcf(t)] for t in range(1, YEARS + 1)]
    wacc, growth = x["Wacc"], x["TerminalGrowth"]
    pv = cells.put("PvFcf", npv(wacc, flows))
    terminal = cells.put("TerminalValue", flows[-1] * (1 + growth) / (wacc - growth))
    pv_terminal = cells.put("PvTerminalValue", terminal / (1 + wacc) ** YEARS)
    enterprise = cells.put("EnterpriseValue", pv + pv_terminal)
    equity = cells.put("EquityValue", enterprise - x["NetDebt"])
    cells.put("SharePrice", equity / x["Shares"])
    waccs = cells.put_all("WaccHeaders", [wacc + k * x["WaccStep"] for k in STEPS])
    growths = cells.put_all("GrowthHeaders", [growth + k * x["GrowthStep"] for k in STEPS])
    cells.put_all("PriceTable", [share_price(x, w, g) for w in waccs for g in growths])
    return cells.rows


def table_sensible(x: Mapping[str, float]) -> bool:
    """The table never reaches a WACC within 0.9 points of the terminal growth."""
    lowest = x["Wacc"] - 2 * x["WaccStep"] - x["TerminalGrowth"] - 2 * x["GrowthStep"]
    return lowest >= 0.009 and x["Shares"] > 0


def coverage() -> Coverage:
    """What verifier 2 checks: every line of the valuation, the links, every input."""
    width = len(STEPS)
    return Coverage(
        outputs=[
            Output("PvFcf", "PV of the FCFs, years 1-5"),
            Output("TerminalValue", "terminal value at year 5"),
            Output("PvTerminalValue", "PV of the terminal value"),
            Output("EnterpriseValue", "enterprise value"),
            Output("EquityValue", "equity value"),
            Output("SharePrice", "base-case implied share price"),
            Output("WaccHeaders", "WACC row headers"),
            Output("GrowthHeaders", "terminal growth column headers"),
            Output("PriceTable", "share price sensitivity table"),
        ],
        truth=all_cells,
        links=[
            Link("PvFcf", (("EnterpriseValue", 0),)),
            Link("TerminalValue", (("PvTerminalValue", 0),)),
            Link("PvTerminalValue", (("EnterpriseValue", 0),)),
            Link("EnterpriseValue", (("EquityValue", 0),)),
            Link("EquityValue", (("SharePrice", 0),)),
            Link("WaccHeaders", tuple(("PriceTable", k) for k in range(width))),
            Link("GrowthHeaders", tuple(("PriceTable", k * width) for k in range(width))),
        ],
        headline=("EnterpriseValue", "SharePrice", "WaccHeaders", "GrowthHeaders", "PriceTable"),
        names={
            "PvFcf": "Model!B3",
            "TerminalValue": "Model!B4",
            "PvTerminalValue": "Model!B5",
            "EquityValue": "Model!B7",
        },
        valid=table_sensible,
    )


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw the forecast and the valuation inputs; lay out Inputs and an empty Model."""
    fcf = [float(rng.randrange(40, 400))]
    for _ in range(YEARS - 1):
        fcf.append(round(fcf[-1] * (1 + rng.uniform(0.02, 0.12)), 1))
    inputs: dict[str, float] = {_fcf(t): f for t, f in enumerate(fcf, start=1)}
    inputs["Wacc"] = rng.randrange(80, 111) / 1000
    inputs["TerminalGrowth"] = rng.randrange(15, 31) / 1000
    inputs["WaccStep"] = rng.choice((0.005, 0.0075, 0.01))
    inputs["GrowthStep"] = rng.choice((0.0025, 0.005))
    enterprise = enterprise_value(inputs, inputs["Wacc"], inputs["TerminalGrowth"])
    inputs["NetDebt"] = float(round(enterprise * rng.uniform(0.1, 0.4)))
    equity = enterprise - inputs["NetDebt"]
    inputs["Shares"] = float(round(equity / rng.uniform(15, 90), 1))

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Inputs"
    company = rng.choice(COMPANIES)
    sheet["A1"] = f"{company}: DCF inputs ($m unless stated)"
    sheet["A2"], sheet["A3"] = "Year", "Unlevered free cash flow ($m)"
    for year, column in enumerate(FCF_COLUMNS, start=1):
        sheet[f"{column}2"], sheet[f"{column}3"] = year, inputs[_fcf(year)]
        define_name(workbook, _fcf(year), "Inputs", f"{column}3")
    for name, label, row, number_format in SCALARS:
        sheet[f"A{row}"], sheet[f"B{row}"] = label, inputs[name]
        sheet[f"B{row}"].number_format = number_format
        define_name(workbook, name, "Inputs", f"B{row}")

    model = workbook.create_sheet("Model")
    model["A1"] = f"{company}: DCF valuation and share price sensitivity"
    for row, label in enumerate(
        (
            "PV of FCF, years 1-5 ($m)",
            "Terminal value at year 5 ($m)",
            "PV of terminal value ($m)",
            "Enterprise value ($m)",
            "Equity value ($m)",
            "Implied share price ($)",
        ),
        start=3,
    ):
        model[f"A{row}"] = label
    model[f"A{HEADER_ROW - 1}"] = "Implied share price ($): WACC down, terminal growth across"
    model[f"A{HEADER_ROW}"] = "Terminal growth ->"
    model[f"A{FIRST}"] = "WACC"
    define_name(workbook, "EnterpriseValue", "Model", "B6")
    define_name(workbook, "SharePrice", "Model", "B8")
    define_name(workbook, "WaccHeaders", "Model", f"B{FIRST}:B{LAST}")
    define_name(workbook, "GrowthHeaders", "Model", f"C{HEADER_ROW}:G{HEADER_ROW}")
    define_name(workbook, "PriceTable", "Model", f"C{FIRST}:G{LAST}")

    flows = "Inputs!$B$3:$F$3"
    cells: dict[str, str] = {
        "B3": f"=NPV(Inputs!$B$5,{flows})",
        "B4": "=Inputs!$F$3*(1+Inputs!$B$6)/(Inputs!$B$5-Inputs!$B$6)",
        "B5": f"=B4/(1+Inputs!$B$5)^{YEARS}",
        "B6": "=B3+B5",
        "B7": "=B6-Inputs!$B$9",
        "B8": "=B7/Inputs!$B$10",
        f"B{CENTRE}": "=Inputs!$B$5",
        f"E{HEADER_ROW}": "=Inputs!$B$6",
    }
    for k in STEPS:  # each header one step from its neighbour towards the base case
        if k < 0:
            cells[f"B{CENTRE + k}"] = f"=B{CENTRE + k + 1}-Inputs!$B$7"
            cells[f"{TABLE_COLUMNS[2 + k]}{HEADER_ROW}"] = (
                f"={TABLE_COLUMNS[3 + k]}{HEADER_ROW}-Inputs!$B$8"
            )
        elif k > 0:
            cells[f"B{CENTRE + k}"] = f"=B{CENTRE + k - 1}+Inputs!$B$7"
            cells[f"{TABLE_COLUMNS[2 + k]}{HEADER_ROW}"] = (
                f"={TABLE_COLUMNS[1 + k]}{HEADER_ROW}+Inputs!$B$8"
            )
    cells[f"C{FIRST}:G{LAST}"] = (
        f"=(NPV($B{FIRST},{flows})+Inputs!$F$3*(1+C${HEADER_ROW})/($B{FIRST}-C${HEADER_ROW})"
        f"/(1+$B{FIRST})^{YEARS}-Inputs!$B$9)/Inputs!$B$10"
    )
    perturbations = [
        {"Wacc": inputs["Wacc"] + 0.01, "TerminalGrowth": inputs["TerminalGrowth"] - 0.005},
        {
            "WaccStep": inputs["WaccStep"] + 0.0025,
            "GrowthStep": inputs["GrowthStep"] + 0.0025,
            "NetDebt": round(inputs["NetDebt"] * 1.1),
            _fcf(YEARS): round(inputs[_fcf(YEARS)] * 1.1, 1),
        },
    ]
    for change in [{}, *perturbations]:  # the table never reaches WACC <= growth
        x = {**inputs, **change}
        if x["Wacc"] - 2 * x["WaccStep"] - x["TerminalGrowth"] - 2 * x["GrowthStep"] < 0.009:
            raise ValueError("the sensitivity table would reach WACC <= terminal growth")
    return Scenario(
        workbook=workbook,
        variables={"company": company},
        inputs=inputs,
        outputs=[
            Output("EnterpriseValue", "enterprise value"),
            Output("SharePrice", "base-case implied share price"),
            Output("WaccHeaders", "WACC row headers"),
            Output(
                "GrowthHeaders",
                "terminal growth column headers",
            ),
            Output("PriceTable", "share price sensitivity table"),
        ],
        truth=valuation,
        perturbations=perturbations,
        solution=[write_call("Model", cells)],
        model_sheets=["Model"],
        first_view="Inputs!A1:F10",
        coverage=coverage(),
    )
