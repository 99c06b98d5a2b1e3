"""A three-year gross profit build: the spreadsheet template.

``generate`` draws the assumptions from ``rng`` and returns a ``Scenario``: the starting
workbook (openpyxl; an Inputs sheet and an empty Model sheet), the inputs and outputs
as defined names, and a ``Coverage``, what verifier 2 checks. To make it your task,
change four things together:

1. ``INPUTS`` and the draw in ``generate``: the assumptions, each a named cell on Inputs.
2. ``rows``: the truth, computed in Python from the inputs alone (never from the
   workbook), cell by cell through ``Cells.put`` so the verifier can hold one cell at
   another value and recompute what follows from it.
3. ``OUTPUTS`` and ``LINKS``: every row the instruction asks for, named, and which cells
   are computed directly from each row's first cell.
4. ``SOLUTION``: the oracle's formulas (one ``write_cells`` call per sheet).

``skillgym validate`` then plays the oracle (must score 1.0), a no-op (0) and the
family's cheats (pasted numbers, typed-in inputs, the named results alone, a hidden
IFERROR): each must score below 0.5, which the coverage's names, links and moves make
sure of. Everything random comes from ``rng``: the same task version and seed give the
same workbook, byte for byte.
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

YEARS = 3
COLUMNS = "CDE"
PRODUCTS = ("The Trailhead backpack", "The Luma desk lamp", "The Brew One kettle")

INPUTS = (  # defined name, label, row on Inputs
    ("Units1", "Year-1 units sold", 2),
    ("UnitGrowth", "Unit growth (per year)", 3),
    ("Price1", "Year-1 price per unit ($)", 4),
    ("PriceIncrease", "Price increase (per year)", 5),
    ("UnitCost", "Cost per unit ($)", 6),
)
LABELS = (  # column A of the Model sheet, from row 1
    "Year",
    "Units sold",
    "Price per unit",
    "Revenue",
    "Cost of goods sold",
    "Gross profit",
    "Gross margin",
    "",
    "Three-year gross profit",
)

OUTPUTS = [  # every row the instruction asks for: a defined name over its cells
    Output("Units", "units sold, years 1-3"),
    Output("Price", "price per unit, years 1-3"),
    Output("Revenue", "revenue, years 1-3"),
    Output("Cogs", "cost of goods sold, years 1-3"),
    Output("GrossProfit", "gross profit, years 1-3"),
    Output("GrossMargin", "gross margin, years 1-3"),
    Output("TotalGrossProfit", "three-year gross profit"),
]
NAMES = {  # where each output is on the Model sheet
    "Units": "C2:E2",
    "Price": "C3:E3",
    "Revenue": "C4:E4",
    "Cogs": "C5:E5",
    "GrossProfit": "C6:E6",
    "GrossMargin": "C7:E7",
    "TotalGrossProfit": "C9",
}
LINKS = [  # hold the row's first cell at another value: these cells must follow
    Link("Units", (("Revenue", 0), ("Cogs", 0))),
    Link("Price", (("Revenue", 0),)),
    Link("Revenue", (("GrossProfit", 0), ("GrossMargin", 0))),
    Link("Cogs", (("GrossProfit", 0),)),
    Link("GrossProfit", (("GrossMargin", 0), ("TotalGrossProfit", 0))),
]
SOLUTION = [  # the oracle's formulas; a range takes one formula filled across it
    write_call(
        "Model",
        {
            "C2:E2": "=Inputs!$B$2*(1+Inputs!$B$3)^(C1-1)",
            "C3:E3": "=Inputs!$B$4*(1+Inputs!$B$5)^(C1-1)",
            "C4:E4": "=C2*C3",
            "C5:E5": "=C2*Inputs!$B$6",
            "C6:E6": "=C4-C5",
            "C7:E7": "=C6/C4",
            "C9": "=SUM(C6:E6)",
        },
    )
]


def rows(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every output cell from the inputs ``x``, in the order the model computes them.

    ``held`` cells keep the value given (``Cells.put`` returns it): that is how the
    verifier learns what the cells computed from a row must show.
    """
    cells = Cells(held)
    profits = []
    for t in range(YEARS):
        units = cells.put("Units", x["Units1"] * (1 + x["UnitGrowth"]) ** t)
        price = cells.put("Price", x["Price1"] * (1 + x["PriceIncrease"]) ** t)
        revenue = cells.put("Revenue", units * price)
        cogs = cells.put("Cogs", units * x["UnitCost"])
        profits.append(cells.put("GrossProfit", revenue - cogs))
        cells.put("GrossMargin", profits[-1] / revenue)
    cells.put("TotalGrossProfit", sum(profits))
    return cells.rows


def sensible(x: Mapping[str, float]) -> bool:
    """Inputs the sensitivity check may move to: positive units and a price above cost."""
    return x["Units1"] > 0 and x["Price1"] > x["UnitCost"] > 0 and x["UnitGrowth"] > -1


class Params(BaseModel):
    """What task.yaml's ``params:`` may set (nothing yet; add fields with defaults)."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw the assumptions; lay out Inputs and an empty Model with every output named."""
    price = float(rng.randrange(40, 400))
    inputs = {
        "Units1": float(rng.randrange(5, 80) * 100),
        "UnitGrowth": rng.randrange(20, 150) / 1000,
        "Price1": price,
        "PriceIncrease": rng.randrange(10, 50) / 1000,
        "UnitCost": float(round(price * rng.uniform(0.35, 0.7))),
    }
    workbook = Workbook()
    inputs_sheet(workbook, INPUTS, inputs)  # labels in A, values in B, each value named
    model = workbook.create_sheet("Model")
    for row, label in enumerate(LABELS, start=1):
        model[f"A{row}"] = label
    for year, column in enumerate(COLUMNS, start=1):
        model[f"{column}1"] = year
    for name, area in NAMES.items():
        define_name(workbook, name, "Model", area)
    return Scenario(
        workbook=workbook,
        variables={"product": rng.choice(PRODUCTS)},
        inputs=inputs,
        outputs=OUTPUTS,
        truth=lambda x: rows(x, {}),
        perturbations=[],  # verifier 2 draws its own input changes (Coverage.moves, valid)
        solution=SOLUTION,
        model_sheets=["Model"],
        first_view="Model!A1:E9",
        coverage=Coverage(
            outputs=OUTPUTS,
            truth=rows,
            links=LINKS,
            headline=("Revenue", "GrossProfit", "TotalGrossProfit"),
            valid=sensible,
        ),
    )
