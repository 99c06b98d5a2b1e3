"""A 5-year unlevered DCF with a Gordon-growth terminal value, EV and the deal's IRR."""

from __future__ import annotations

from collections.abc import Mapping
from random import Random
from typing import Any

from openpyxl import Workbook

from skillgym.envs.spreadsheet.scenario import (
    Output,
    Scenario,
    define_name,
    inputs_sheet,
    write_call,
)
from skillgym.envs.spreadsheet.solvers import irr

YEARS = 5
COLUMNS = "CDEFG"
COMPANIES = (
    "Northwind Tools",
    "Bluefin Logistics",
    "Cedar Health",
    "Orbit Analytics",
    "Harbor Foods",
)

INPUTS = (  # name, label, row on Inputs
    ("Revenue0", "Base-year revenue ($m)", 2),
    ("Growth", "Revenue growth (per year)", 3),
    ("EbitdaMargin", "EBITDA margin", 4),
    ("DaPct", "D&A (% of revenue)", 5),
    ("CapexPct", "Capex (% of revenue)", 6),
    ("NwcPct", "Net working capital (% of revenue change)", 7),
    ("TaxRate", "Tax rate", 8),
    ("Wacc", "WACC", 9),
    ("TerminalGrowth", "Terminal growth", 10),
    ("EntryPrice", "Entry price ($m)", 11),
)
ROWS = (
    "Year",
    "Revenue",
    "EBITDA",
    "D&A",
    "EBIT",
    "Taxes",
    "NOPAT",
    "Capex",
    "Change in NWC",
    "Unlevered FCF",
    "Discount factor",
    "PV of FCF",
    "",
    "Terminal value",
    "PV of terminal value",
    "Enterprise value",
    "Cash flows to the buyer",
    "Deal IRR",
)


def enterprise_value(x: Mapping[str, float]) -> float:
    """EV alone (the entry price is drawn from it)."""
    return forecast(x, with_irr=False)["EnterpriseValue"][0]


def forecast(x: Mapping[str, float], *, with_irr: bool = True) -> dict[str, list[float]]:
    """The truth, computed from the inputs alone."""
    revenue = [x["Revenue0"] * (1 + x["Growth"]) ** t for t in range(YEARS + 1)]
    fcf = []
    for t in range(1, YEARS + 1):
        da = revenue[t] * x["DaPct"]
        ebit = revenue[t] * x["EbitdaMargin"] - da
        nopat = ebit * (1 - x["TaxRate"])
        capex = revenue[t] * x["CapexPct"]
        nwc = x["NwcPct"] * (revenue[t] - revenue[t - 1])
        fcf.append(nopat + da - capex - nwc)
    factors = [1 / (1 + x["Wacc"]) ** t for t in range(1, YEARS + 1)]
    terminal = fcf[-1] * (1 + x["TerminalGrowth"]) / (x["Wacc"] - x["TerminalGrowth"])
    ev = sum(f * d for f, d in zip(fcf, factors, strict=True)) + terminal * factors[-1]
    flows = [-x.get("EntryPrice", 0.0), *fcf[:-1], fcf[-1] + terminal]
    return {
        "FreeCashFlow": fcf,
        "TerminalValue": [terminal],
        "EnterpriseValue": [ev],
        "DealIrr": [irr(flows) if with_irr else 0.0],
    }


def build(rng: Random, params: dict[str, Any]) -> Scenario:
    """Draw the assumptions; lay out Inputs and an empty Model."""
    inputs = {
        "Revenue0": float(rng.randrange(80, 900)),
        "Growth": rng.randrange(30, 150) / 1000,
        "EbitdaMargin": rng.randrange(150, 350) / 1000,
        "DaPct": rng.randrange(20, 60) / 1000,
        "CapexPct": rng.randrange(30, 80) / 1000,
        "NwcPct": rng.randrange(50, 150) / 1000,
        "TaxRate": rng.randrange(21, 30) / 100,
        "Wacc": rng.randrange(70, 120) / 1000,
        "TerminalGrowth": rng.randrange(15, 30) / 1000,
    }
    inputs["EntryPrice"] = float(round(enterprise_value(inputs) * rng.uniform(0.75, 0.95)))
    workbook = Workbook()
    inputs_sheet(workbook, INPUTS, inputs)
    model = workbook.create_sheet("Model")
    for row, label in enumerate(ROWS, start=1):
        model[f"A{row}"] = label
    for t, column in enumerate(COLUMNS, start=1):
        model[f"{column}1"] = t
    model["B1"] = 0
    define_name(workbook, "FreeCashFlow", "Model", "C10:G10")
    define_name(workbook, "TerminalValue", "Model", "G14")
    define_name(workbook, "EnterpriseValue", "Model", "C16")
    define_name(workbook, "DealIrr", "Model", "C18")
    solution = [
        write_call(
            "Model",
            {
                "C2:G2": "=Inputs!$B$2*(1+Inputs!$B$3)^C1",
                "C3:G3": "=C2*Inputs!$B$4",
                "C4:G4": "=C2*Inputs!$B$5",
                "C5:G5": "=C3-C4",
                "C6:G6": "=C5*Inputs!$B$8",
                "C7:G7": "=C5-C6",
                "C8:G8": "=C2*Inputs!$B$6",
                "C9": "=Inputs!$B$7*(C2-Inputs!$B$2)",
                "D9:G9": "=Inputs!$B$7*(D2-C2)",
                "C10:G10": "=C7+C4-C8-C9",
                "C11:G11": "=1/(1+Inputs!$B$9)^C1",
                "C12:G12": "=C10*C11",
                "G14": "=G10*(1+Inputs!$B$10)/(Inputs!$B$9-Inputs!$B$10)",
                "G15": "=G14*G11",
                "C16": "=SUMPRODUCT(C10:G10,C11:G11)+G15",
                "B17": "=-Inputs!$B$11",
                "C17:F17": "=C10",
                "G17": "=G10+G14",
                "C18": "=IRR(B17:G17)",
            },
        )
    ]
    return Scenario(
        workbook=workbook,
        variables={"company": rng.choice(COMPANIES)},
        inputs=inputs,
        outputs=[
            Output("FreeCashFlow", "unlevered FCF, years 1-5"),
            Output("TerminalValue", "terminal value"),
            Output("EnterpriseValue", "enterprise value"),
            Output("DealIrr", "deal IRR"),
        ],
        truth=forecast,
        perturbations=[
            {"Growth": inputs["Growth"] + 0.02},
            {"Wacc": inputs["Wacc"] + 0.01, "EbitdaMargin": inputs["EbitdaMargin"] - 0.03},
        ],
        solution=solution,
        model_sheets=["Model"],
        first_view="Model!A1:G18",
    )
