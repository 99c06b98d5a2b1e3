"""A twelve-month subscription revenue build by acquisition cohort.

Inputs: new customers acquired each month, a retention curve by months since
acquisition (age 0 = 100%), the monthly ARPU and a price increase from a given month.
The agent fills a cohort grid (cohorts down, calendar months across; a cohort has no
customers before the month it is acquired), the active customers, ARPU and revenue per
month, the year's revenue and the customers at year end.

Verifier 2 also checks each cohort's new customers (B4:B15, named), that the grid
is built from them, the active row from the grid, revenue from the active customers
and the ARPU, the year's revenue from the monthly revenue and the year-end customers
from month 12, and moves every input (each cohort's size, each age's retention, the
pricing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from random import Random
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict

from skillgym.envs.spreadsheet.scenario import (
    Cells,
    Coverage,
    Link,
    Move,
    Output,
    Overrides,
    Scenario,
    define_name,
    write_call,
)

MONTHS = 12
COLUMNS = "CDEFGHIJKLMN"  # calendar months 1-12 on Model
INPUT_COLUMNS = "BCDEFGHIJKLM"  # months 1-12 / ages 0-11 on Inputs
MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FIRST = 4  # first cohort row on Model
LAST = FIRST + MONTHS - 1
ACTIVE, ARPU, REVENUE, TOTAL, ENDING = LAST + 1, LAST + 2, LAST + 3, LAST + 5, LAST + 6
COMPANIES = ("Lumen CRM", "Parcelly", "Tidewater Analytics", "Brightdesk", "Quillpay")
PRICES = (29.0, 39.0, 49.0, 59.0, 79.0, 99.0, 129.0)
REQUESTERS = ("The CFO", "The head of FP&A", "The COO", "The VP of Finance")


def _new(month: int) -> str:
    return f"New{month:02d}"


def _ret(age: int) -> str:
    return f"Ret{age:02d}"


def revenue_build(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth, computed from the inputs alone."""
    new = [x[_new(m)] for m in range(1, MONTHS + 1)]
    retention = [x[_ret(a)] for a in range(MONTHS)]
    grid = [
        [new[c - 1] * retention[m - c] if m >= c else 0.0 for m in range(1, MONTHS + 1)]
        for c in range(1, MONTHS + 1)
    ]
    active = [math.fsum(grid[c][m] for c in range(MONTHS)) for m in range(MONTHS)]
    raised = x["Arpu"] * (1 + x["PriceIncrease"])
    arpu = [raised if m >= x["IncreaseMonth"] else x["Arpu"] for m in range(1, MONTHS + 1)]
    revenue = [a * p for a, p in zip(active, arpu, strict=True)]
    return {
        "CohortCustomers": [value for row in grid for value in row],
        "ActiveCustomers": active,
        "ArpuByMonth": arpu,
        "Revenue": revenue,
        "TotalRevenue": [math.fsum(revenue)],
        "EndingCustomers": [active[-1]],
    }


def all_cells(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every cell of the build, some held (verifier 2's truth)."""
    cells = Cells(held)
    new = cells.put_all("CohortNew", [x[_new(m)] for m in range(1, MONTHS + 1)])
    retention = [x[_ret(a)] for a in range(MONTHS)]
    grid = [
        cells.put_all(
            "CohortCustomers",
            [new[c - 1] * retention[m - c] if m >= c else 0.0 for m in range(1, MONTHS + 1)],
        )
        for c in range(1, MONTHS + 1)
    ]
    active = cells.put_all(
        "ActiveCustomers", [math.fsum(grid[c][m] for c in range(MONTHS)) for m in range(MONTHS)]
    )
    raised = x["Arpu"] * (1 + x["PriceIncrease"])
    arpu = cells.put_all(
        "ArpuByMonth",
        [raised if m >= x["IncreaseMonth"] else x["Arpu"] for m in range(1, MONTHS + 1)],
    )
    revenue = cells.put_all("Revenue", [a * p for a, p in zip(active, arpu, strict=True)])
    cells.put("TotalRevenue", math.fsum(revenue))
    cells.put("EndingCustomers", active[-1])
    return cells.rows


def _retained(rng: Random, share: float) -> float:
    return round(share * rng.uniform(0.8, 0.97), 4)


def _customers(rng: Random, count: float) -> float:
    return float(max(1, round(count * rng.uniform(0.75, 1.25))))


def _other_month(rng: Random, month: float) -> float:
    return float(rng.choice([m for m in range(2, MONTHS + 1) if m != month]))


def coverage(inputs: Mapping[str, float], solution: list[dict[str, Any]]) -> Coverage:
    """What verifier 2 checks: the new-customer column too, how the rows link, every input."""
    outputs = [
        Output("CohortNew", "new customers per cohort"),
        Output("CohortCustomers", "active customers by cohort and month"),
        Output("ActiveCustomers", "active customers, months 1-12"),
        Output("ArpuByMonth", "ARPU, months 1-12"),
        Output("Revenue", "revenue, months 1-12"),
        Output("TotalRevenue", "total FY revenue"),
        Output("EndingCustomers", "customers at year end"),
    ]
    links = [
        Link("CohortNew", tuple(("CohortCustomers", m) for m in range(MONTHS))),
        Link("CohortCustomers", (("ActiveCustomers", 0),)),
        Link("ActiveCustomers", (("Revenue", 0),)),
        Link("ArpuByMonth", (("Revenue", 0),)),
        Link("Revenue", (("TotalRevenue", 0),)),
        Link("ActiveMonth12", (("EndingCustomers", 0),)),
    ]
    moves: dict[str, Move] = {_new(m): _customers for m in range(1, MONTHS + 1)}
    moves |= {_ret(a): _retained for a in range(MONTHS)}
    moves["IncreaseMonth"] = _other_month
    cells = {**solution[0]["args"]["cells"], f"C{REVENUE}:N{REVENUE}": f"=C{ACTIVE}*C{ARPU}"}
    return Coverage(
        outputs=outputs,
        truth=all_cells,
        links=links,
        headline=(
            "CohortCustomers",
            "ActiveCustomers",
            "ArpuByMonth",
            "Revenue",
            "TotalRevenue",
            "EndingCustomers",
        ),
        names={"CohortNew": f"Model!B{FIRST}:B{LAST}", "ActiveMonth12": f"Model!N{ACTIVE}"},
        probes={"ActiveMonth12": ("ActiveCustomers", MONTHS - 1)},
        moves=moves,
        solution=[write_call("Model", cells)],
    )


def retention_curve(rng: Random) -> list[float]:
    """Age 0 = 100%, a steep first-month drop, then monthly churn easing to a floor."""
    curve = [1.0, 1 - rng.uniform(0.15, 0.35)]
    first, floor = rng.uniform(0.08, 0.15), rng.uniform(0.02, 0.05)
    for age in range(2, MONTHS):
        churn = floor + (first - floor) * 0.6 ** (age - 2)
        curve.append(curve[-1] * (1 - churn))
    return [round(value, 4) for value in curve]


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw acquisition, retention and pricing; lay out Inputs and an empty Model."""
    base, growth = rng.randrange(120, 800), rng.uniform(0.0, 0.06)
    inputs: dict[str, float] = {
        _new(m): float(round(base * (1 + growth) ** (m - 1) * rng.uniform(0.85, 1.15)))
        for m in range(1, MONTHS + 1)
    }
    inputs.update({_ret(a): r for a, r in enumerate(retention_curve(rng))})
    inputs["Arpu"] = rng.choice(PRICES)
    inputs["PriceIncrease"] = rng.randrange(10, 25) / 200  # 5.0% to 12.0% in half points
    inputs["IncreaseMonth"] = float(rng.randint(4, 10))

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Inputs"
    company = rng.choice(COMPANIES)
    sheet["A1"] = f"{company}: FY2026 cohort revenue assumptions"
    sheet["A2"] = "Month (2026)"
    sheet["A3"] = "Month"
    sheet["A4"] = "New customers acquired"
    sheet["A6"] = "Months since acquisition (age)"
    sheet["A7"] = "Retention (share of the cohort still active)"
    for index, column in enumerate(INPUT_COLUMNS):
        sheet[f"{column}2"] = MONTH_LABELS[index]
        sheet[f"{column}3"] = index + 1
        sheet[f"{column}4"] = inputs[_new(index + 1)]
        define_name(workbook, _new(index + 1), "Inputs", f"{column}4")
        sheet[f"{column}6"] = index
        sheet[f"{column}7"] = inputs[_ret(index)]
        sheet[f"{column}7"].number_format = "0.00%"
        define_name(workbook, _ret(index), "Inputs", f"{column}7")
    for row, (name, label, number_format) in enumerate(
        (
            ("Arpu", "ARPU before the price increase ($ per customer per month)", "0.00"),
            ("PriceIncrease", "Price increase", "0.0%"),
            ("IncreaseMonth", "Price increase effective from month", "0"),
        ),
        start=9,
    ):
        sheet[f"A{row}"], sheet[f"B{row}"] = label, inputs[name]
        sheet[f"B{row}"].number_format = number_format
        define_name(workbook, name, "Inputs", f"B{row}")

    model = workbook.create_sheet("Model")
    model["A1"] = f"{company}: FY2026 monthly revenue build by acquisition cohort"
    model["C2"] = "Calendar month"
    model["A3"], model["B3"] = "Cohort (month acquired)", "New customers"
    for index, column in enumerate(COLUMNS):
        model[f"{column}3"] = index + 1
    for cohort in range(1, MONTHS + 1):
        model[f"A{FIRST + cohort - 1}"] = cohort
    model[f"A{ACTIVE}"] = "Active customers"
    model[f"A{ARPU}"] = "ARPU ($)"
    model[f"A{REVENUE}"] = "Revenue ($)"
    model[f"A{TOTAL}"] = "Total FY2026 revenue ($)"
    model[f"A{ENDING}"] = "Customers at year end (month 12)"
    define_name(workbook, "CohortCustomers", "Model", f"C{FIRST}:N{LAST}")
    define_name(workbook, "ActiveCustomers", "Model", f"C{ACTIVE}:N{ACTIVE}")
    define_name(workbook, "ArpuByMonth", "Model", f"C{ARPU}:N{ARPU}")
    define_name(workbook, "Revenue", "Model", f"C{REVENUE}:N{REVENUE}")
    define_name(workbook, "TotalRevenue", "Model", f"B{TOTAL}")
    define_name(workbook, "EndingCustomers", "Model", f"B{ENDING}")

    solution = [
        write_call(
            "Model",
            {
                f"B{FIRST}:B{LAST}": f"=INDEX(Inputs!$B$4:$M$4,$A{FIRST})",
                f"C{FIRST}:N{LAST}": (
                    f"=IF(C$3<$A{FIRST},0,$B{FIRST}*INDEX(Inputs!$B$7:$M$7,C$3-$A{FIRST}+1))"
                ),
                f"C{ACTIVE}:N{ACTIVE}": f"=SUM(C{FIRST}:C{LAST})",
                f"C{ARPU}:N{ARPU}": (
                    "=IF(C$3>=Inputs!$B$11,Inputs!$B$9*(1+Inputs!$B$10),Inputs!$B$9)"
                ),
                f"C{REVENUE}:N{REVENUE}": f"=SUMPRODUCT(C{FIRST}:C{LAST}*C{ARPU})",
                f"B{TOTAL}": f"=SUM(C{REVENUE}:N{REVENUE})",
                f"B{ENDING}": f"=N{ACTIVE}",
            },
        )
    ]
    month = int(inputs["IncreaseMonth"])
    perturbations = [
        {
            **{_ret(a): round(inputs[_ret(a)] * 0.96, 4) for a in range(1, MONTHS)},
            _new(1): inputs[_new(1)] + 50,
        },
        {
            "Arpu": inputs["Arpu"] + 10,
            "PriceIncrease": inputs["PriceIncrease"] + 0.03,
            "IncreaseMonth": float(month + 2 if month <= 8 else month - 2),
            _new(6): float(round(inputs[_new(6)] * 1.2)),
        },
    ]
    return Scenario(
        workbook=workbook,
        variables={
            "company": company,
            "requester": rng.choice(REQUESTERS),
        },
        inputs=inputs,
        outputs=[
            Output("CohortCustomers", "active customers by cohort and month"),
            Output("ActiveCustomers", "active customers, months 1-12"),
            Output("ArpuByMonth", "ARPU, months 1-12"),
            Output("Revenue", "revenue, months 1-12"),
            Output("TotalRevenue", "total FY revenue"),
            Output("EndingCustomers", "customers at year end"),
        ],
        truth=revenue_build,
        perturbations=perturbations,
        solution=solution,
        model_sheets=["Model"],
        first_view=f"Model!A1:N{ENDING}",
        coverage=coverage(inputs, solution),
    )
