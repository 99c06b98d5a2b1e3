"""A five-year working capital schedule from days assumptions, and the cash it ties up.

Receivables, inventory and payables come from revenue and COGS through DSO, DIO and DPO
(DSO stepping each year as collections improve or slip); the year-0 balances are the
last balance sheet's. Verifier 2 checks every row, the links between them (revenue
feeds receivables, the year-1 balances feed NWC, the opening NWC feeds year 1's change),
and moves every input, the opening balances too.
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
    inputs_sheet,
    write_call,
)

YEARS = 5
DAYS_IN_YEAR = 365
COMPANIES = (
    "Kestrel Outdoor Gear",
    "Marlow Industrial Supply",
    "Pinecrest Foods",
    "Tidewater Components",
    "Vantage Home Goods",
)
ASKERS = ("The CFO", "Our lender", "The board", "The treasurer")

INPUTS = (  # defined name, label, row on Inputs
    ("Revenue0", "Revenue, last year (year 0, $m)", 2),
    ("Growth", "Revenue growth (per year)", 3),
    ("CogsPct", "Cost of goods sold (% of revenue)", 4),
    ("Dso", "DSO in year 1 (days of revenue)", 5),
    ("DsoStep", "DSO change each later year (days)", 6),
    ("Dio", "DIO (days of COGS)", 7),
    ("Dpo", "DPO (days of COGS)", 8),
    ("Receivables0", "Accounts receivable, end of year 0 ($m)", 9),
    ("Inventory0", "Inventory, end of year 0 ($m)", 10),
    ("Payables0", "Accounts payable, end of year 0 ($m)", 11),
)
LABELS = (
    "Year",
    "Revenue",
    "Cost of goods sold",
    "DSO (days)",
    "DIO (days)",
    "DPO (days)",
    "Accounts receivable",
    "Inventory",
    "Accounts payable",
    "Net working capital",
    "Increase in NWC (cash used)",
    "Cash conversion cycle (days)",
    "",
    "Cash tied up over years 1-5",
)

OUTPUTS = [
    Output("Revenue", "revenue, years 1-5"),
    Output("Cogs", "cost of goods sold, years 1-5"),
    Output("DsoDays", "DSO, years 1-5"),
    Output("DioDays", "DIO, years 1-5"),
    Output("DpoDays", "DPO, years 1-5"),
    Output("Receivables", "accounts receivable, years 0-5"),
    Output("Inventory", "inventory, years 0-5"),
    Output("Payables", "accounts payable, years 0-5"),
    Output("Nwc", "net working capital, years 0-5"),
    Output("NwcIncrease", "increase in NWC, years 1-5"),
    Output("Ccc", "cash conversion cycle, years 1-5"),
    Output("CashTiedUp", "cash tied up over years 1-5"),
]
NAMES = {
    "Revenue": "C2:G2",
    "Cogs": "C3:G3",
    "DsoDays": "C4:G4",
    "DioDays": "C5:G5",
    "DpoDays": "C6:G6",
    "Receivables": "B7:G7",
    "Inventory": "B8:G8",
    "Payables": "B9:G9",
    "Nwc": "B10:G10",
    "NwcIncrease": "C11:G11",
    "Ccc": "C12:G12",
    "CashTiedUp": "C14",
}
PROBES = {  # single cells a link holds: the year-1 balances and NWC
    "ReceivablesYear1": ("Receivables", 1, "C7"),
    "InventoryYear1": ("Inventory", 1, "C8"),
    "PayablesYear1": ("Payables", 1, "C9"),
    "NwcYear1": ("Nwc", 1, "C10"),
}
LINKS = [
    Link("Revenue", (("Cogs", 0), ("Receivables", 1))),
    Link("Cogs", (("Inventory", 1), ("Payables", 1))),
    Link("DsoDays", (("Receivables", 1), ("Ccc", 0))),
    Link("DioDays", (("Inventory", 1), ("Ccc", 0))),
    Link("DpoDays", (("Payables", 1), ("Ccc", 0))),
    Link("Receivables", (("Nwc", 0),)),
    Link("Inventory", (("Nwc", 0),)),
    Link("Payables", (("Nwc", 0),)),
    Link("ReceivablesYear1", (("Nwc", 1),)),
    Link("InventoryYear1", (("Nwc", 1),)),
    Link("PayablesYear1", (("Nwc", 1),)),
    Link("Nwc", (("NwcIncrease", 0),)),
    Link("NwcYear1", (("NwcIncrease", 0), ("NwcIncrease", 1))),
    Link("NwcIncrease", (("CashTiedUp", 0),)),
]
SOLUTION = [
    write_call(
        "Schedule",
        {
            "C2": "=Inputs!$B$2*(1+Inputs!$B$3)",
            "D2:G2": "=C2*(1+Inputs!$B$3)",
            "C3:G3": "=C2*Inputs!$B$4",
            "C4": "=Inputs!$B$5",
            "D4:G4": "=C4+Inputs!$B$6",
            "C5:G5": "=Inputs!$B$7",
            "C6:G6": "=Inputs!$B$8",
            "B7": "=Inputs!$B$9",
            "B8": "=Inputs!$B$10",
            "B9": "=Inputs!$B$11",
            "C7:G7": "=C2*C4/365",
            "C8:G8": "=C3*C5/365",
            "C9:G9": "=C3*C6/365",
            "B10:G10": "=B7+B8-B9",
            "C11:G11": "=C10-B10",
            "C12:G12": "=C4+C5-C6",
            "C14": "=SUM(C11:G11)",
        },
    )
]
SHORTCUTS = {
    # the balances straight from Inputs in closed form, the rows they come from left empty
    "balances-without-their-rows": [
        write_call(
            "Schedule",
            {
                "B7": "=Inputs!$B$9",
                "B8": "=Inputs!$B$10",
                "B9": "=Inputs!$B$11",
                "C7:G7": ("=Inputs!$B$2*(1+Inputs!$B$3)^C1*(Inputs!$B$5+Inputs!$B$6*(C1-1))/365"),
                "C8:G8": "=Inputs!$B$2*(1+Inputs!$B$3)^C1*Inputs!$B$4*Inputs!$B$7/365",
                "C9:G9": "=Inputs!$B$2*(1+Inputs!$B$3)^C1*Inputs!$B$4*Inputs!$B$8/365",
                "B10:G10": "=B7+B8-B9",
                "C11:G11": "=C10-B10",
                "C12:G12": "=Inputs!$B$5+Inputs!$B$6*(C1-1)+Inputs!$B$7-Inputs!$B$8",
                "C14": "=SUM(C11:G11)",
            },
        )
    ],
    # year 1's increase measured from zero: the opening balances ignored
    "no-opening-balances": [
        write_call(
            "Schedule",
            {
                **SOLUTION[0]["args"]["cells"],
                "B7": 0,
                "B8": 0,
                "B9": 0,
            },
        )
    ],
}


def rows(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every output cell from the inputs, in the order the schedule computes them."""
    cells = Cells(held)
    receivables = cells.put("Receivables", x["Receivables0"])
    inventory = cells.put("Inventory", x["Inventory0"])
    payables = cells.put("Payables", x["Payables0"])
    nwc = cells.put("Nwc", receivables + inventory - payables)
    revenue = x["Revenue0"]
    increases = []
    for t in range(1, YEARS + 1):
        revenue = cells.put("Revenue", revenue * (1 + x["Growth"]))
        cogs = cells.put("Cogs", revenue * x["CogsPct"])
        dso = cells.put("DsoDays", x["Dso"] + x["DsoStep"] * (t - 1))
        dio = cells.put("DioDays", x["Dio"])
        dpo = cells.put("DpoDays", x["Dpo"])
        receivables = cells.put("Receivables", revenue * dso / DAYS_IN_YEAR)
        inventory = cells.put("Inventory", cogs * dio / DAYS_IN_YEAR)
        payables = cells.put("Payables", cogs * dpo / DAYS_IN_YEAR)
        previous, nwc = nwc, cells.put("Nwc", receivables + inventory - payables)
        increases.append(cells.put("NwcIncrease", nwc - previous))
        cells.put("Ccc", dso + dio - dpo)
    cells.put("CashTiedUp", sum(increases))
    return cells.rows


def sensible(x: Mapping[str, float]) -> bool:
    """Positive days every year, a margin, growth above -100%, balances not negative."""
    days = min(x["Dso"], x["Dso"] + x["DsoStep"] * (YEARS - 1), x["Dio"], x["Dpo"])
    balances = min(x["Receivables0"], x["Inventory0"], x["Payables0"])
    return days > 0 and 0 < x["CogsPct"] < 1 and x["Growth"] > -1 and balances >= 0


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw the assumptions and year-0 balances; lay out Inputs and an empty Schedule."""
    revenue0 = float(rng.randrange(40, 600))
    cogs_pct = rng.randrange(45, 76) / 100
    dso, dio, dpo = rng.randrange(30, 76), rng.randrange(20, 121), rng.randrange(25, 91)

    def balance(base: float, days: int) -> float:
        """A year-0 balance near what the days give (last year's were not on target)."""
        return round(base * (days + rng.randrange(-8, 9)) / DAYS_IN_YEAR, 1)

    inputs = {
        "Revenue0": revenue0,
        "Growth": rng.randrange(30, 151) / 1000,
        "CogsPct": cogs_pct,
        "Dso": float(dso),
        "DsoStep": float(rng.choice((-4, -3, -2, -1, 1, 2))),
        "Dio": float(dio),
        "Dpo": float(dpo),
        "Receivables0": balance(revenue0, dso),
        "Inventory0": balance(revenue0 * cogs_pct, dio),
        "Payables0": balance(revenue0 * cogs_pct, dpo),
    }
    workbook = Workbook()
    inputs_sheet(workbook, INPUTS, inputs)
    schedule = workbook.create_sheet("Schedule")
    for row, label in enumerate(LABELS, start=1):
        schedule[f"A{row}"] = label
    for year, column in enumerate("BCDEFG"):
        schedule[f"{column}1"] = year
    for name, area in NAMES.items():
        define_name(workbook, name, "Schedule", area)
    for name, (_, _, cell) in PROBES.items():
        define_name(workbook, name, "Schedule", cell)
    return Scenario(
        workbook=workbook,
        variables={"company": rng.choice(COMPANIES), "asker": rng.choice(ASKERS)},
        inputs=inputs,
        outputs=OUTPUTS,
        truth=lambda x: rows(x, {}),
        perturbations=[],
        solution=SOLUTION,
        model_sheets=["Schedule"],
        first_view="Schedule!A1:G14",
        coverage=Coverage(
            outputs=OUTPUTS,
            truth=rows,
            links=LINKS,
            headline=("NwcIncrease", "Ccc", "CashTiedUp"),
            probes={name: (output, index) for name, (output, index, _) in PROBES.items()},
            valid=sensible,
            shortcuts=SHORTCUTS,
        ),
    )
