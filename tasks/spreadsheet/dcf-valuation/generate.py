"""A 5-year unlevered DCF with a Gordon-growth terminal value, EV and the deal's IRR.

Verifier 1 checked the FCF row, the terminal value, EV and the IRR; verifier 2 checks
every row of the forecast (each one named), the links between them (revenue feeds
EBITDA, D&A, capex and the change in NWC; the FCF row feeds its PV and the buyer's
flows; year-5 FCF feeds the terminal value...) and moves every input.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random
from typing import Any

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


ROW_NAMES = (  # verifier 2: every forecast row, named over C:G
    ("Revenue", 2, "revenue"),
    ("Ebitda", 3, "EBITDA"),
    ("DepAmort", 4, "D&A"),
    ("Ebit", 5, "EBIT"),
    ("Taxes", 6, "taxes"),
    ("Nopat", 7, "NOPAT"),
    ("Capex", 8, "capex"),
    ("NwcChange", 9, "change in NWC"),
    ("FreeCashFlow", 10, "unlevered FCF"),
    ("DiscountFactor", 11, "discount factor"),
    ("PvFcf", 12, "PV of FCF"),
)


def model_rows(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every row and cell of the model from the inputs, some cells held (verifier 2's truth)."""
    cells = Cells(held)
    previous = x["Revenue0"]
    fcf, pvs = [], []
    factor = 1.0
    for t in range(1, YEARS + 1):
        revenue = cells.put("Revenue", x["Revenue0"] * (1 + x["Growth"]) ** t)
        ebitda = cells.put("Ebitda", revenue * x["EbitdaMargin"])
        da = cells.put("DepAmort", revenue * x["DaPct"])
        ebit = cells.put("Ebit", ebitda - da)
        taxes = cells.put("Taxes", ebit * x["TaxRate"])
        nopat = cells.put("Nopat", ebit - taxes)
        capex = cells.put("Capex", revenue * x["CapexPct"])
        nwc = cells.put("NwcChange", x["NwcPct"] * (revenue - previous))
        fcf.append(cells.put("FreeCashFlow", nopat + da - capex - nwc))
        factor = cells.put("DiscountFactor", 1 / (1 + x["Wacc"]) ** t)
        pvs.append(cells.put("PvFcf", fcf[-1] * factor))
        previous = revenue
    growth = x["TerminalGrowth"]
    terminal = cells.put("TerminalValue", fcf[-1] * (1 + growth) / (x["Wacc"] - growth))
    pv_terminal = cells.put("PvTerminalValue", terminal * factor)
    cells.put("EnterpriseValue", sum(pvs) + pv_terminal)
    flows = cells.put_all("BuyerFlows", [-x["EntryPrice"], *fcf[:-1], fcf[-1] + terminal])
    cells.put("DealIrr", irr(flows) if _has_irr(flows) else float("nan"))
    return cells.rows


def _has_irr(flows: list[float]) -> bool:
    def value(rate: float) -> float:
        return sum(f / (1 + rate) ** t for t, f in enumerate(flows))

    return value(-0.99) * value(10.0) < 0


def sensible(x: Mapping[str, float]) -> bool:
    """WACC above terminal growth by a point, margins that leave a positive FCF, an IRR."""
    if x["Wacc"] - x["TerminalGrowth"] < 0.01 or x["TaxRate"] >= 1:
        return False
    rows = model_rows(x, {})
    return min(rows["FreeCashFlow"]) > 0 and _has_irr(rows["BuyerFlows"])


def coverage(inputs: Mapping[str, float], solution: list[dict[str, Any]]) -> Coverage:
    """What verifier 2 checks: every row, its links, every input moved."""
    outputs = [Output(name, f"{label}, years 1-5") for name, _, label in ROW_NAMES]
    outputs += [
        Output("TerminalValue", "terminal value"),
        Output("PvTerminalValue", "PV of the terminal value"),
        Output("EnterpriseValue", "enterprise value"),
        Output("BuyerFlows", "cash flows to the buyer, years 0-5"),
        Output("DealIrr", "deal IRR"),
    ]
    first = {name: ((name, 0),) for name, _, _ in ROW_NAMES}
    links = [
        Link(
            "Revenue", (*first["Ebitda"], *first["DepAmort"], *first["Capex"], *first["NwcChange"])
        ),
        Link("Ebitda", first["Ebit"]),
        Link("DepAmort", (*first["Ebit"], *first["FreeCashFlow"])),
        Link("Ebit", (*first["Taxes"], *first["Nopat"])),
        Link("Taxes", first["Nopat"]),
        Link("Nopat", first["FreeCashFlow"]),
        Link("Capex", first["FreeCashFlow"]),
        Link("NwcChange", first["FreeCashFlow"]),
        Link("FreeCashFlow", (*first["PvFcf"], ("BuyerFlows", 1))),
        Link("DiscountFactor", first["PvFcf"]),
        Link("PvFcf", (("EnterpriseValue", 0),)),
        Link("FcfYear5", (("TerminalValue", 0), ("PvFcf", 4), ("BuyerFlows", 5))),
        Link("TerminalValue", (("PvTerminalValue", 0), ("BuyerFlows", 5))),
        Link("PvTerminalValue", (("EnterpriseValue", 0),)),
        Link("BuyerFlows", (("DealIrr", 0),)),
    ]
    names = {name: f"Model!C{row}:G{row}" for name, row, _ in ROW_NAMES if name != "FreeCashFlow"}
    names |= {
        "PvTerminalValue": "Model!G15",
        "BuyerFlows": "Model!B17:G17",
        "FcfYear5": "Model!G10",
    }
    oracle = [
        write_call(
            "Model",
            {**solution[0]["args"]["cells"], "C16": "=SUM(C12:G12)+G15"},
        )
    ]
    return Coverage(
        outputs=outputs,
        truth=model_rows,
        links=links,
        headline=("FreeCashFlow", "TerminalValue", "EnterpriseValue", "DealIrr"),
        names=names,
        probes={"FcfYear5": ("FreeCashFlow", 4)},
        valid=sensible,
        solution=oracle,
    )


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
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
        coverage=coverage(inputs, solution),
    )
