"""Lease or buy an asset: dated after-tax cash flows, XNPV at the after-tax cost of debt, XIRR.

Buying pays the price on the start date, claims straight-line tax depreciation each
period (YEARFRAC, 30/360), pays escalating maintenance and sells the asset at its
residual value at the end of the term (tax on the gain over tax book value). Leasing
is a full-service lease: level payments in advance every period, tax-deductible when
paid. Payment dates come from EDATE on a seeded start date; both options are valued
with XNPV at the after-tax cost of debt, the lease-minus-buy flows get an XIRR (one
sign change by construction: the price saved up front, then the costs of leasing),
and the residual's present value is taken with PV over YEARFRAC's actual/365 years.

Verifier 2 also checks depreciation, maintenance and the lease - buy column, the
after-tax rate, the book value and the residual proceeds (each named), that each is
built from the cells the instruction names (the buy flows from depreciation and
maintenance, the XNPVs from the flows, the dates and the rate...), and moves every
input but the two that fix how many rows the schedule has (the term and the months
between payments).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
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
from skillgym.envs.spreadsheet.solvers import (
    edate,
    to_date,
    to_serial,
    xirr,
    xnpv,
    yearfrac_30_360,
)

ASSETS = (  # what, price range
    ("a five-axis CNC machining centre", 350_000, 950_000),
    ("a fleet of ten electric delivery vans", 450_000, 900_000),
    ("a fleet of six refrigerated delivery trucks", 600_000, 1_500_000),
    ("an automated packaging line", 300_000, 800_000),
    ("a fleet of eight warehouse forklifts", 180_000, 420_000),
)
COMPANIES = (
    "Halvorsen Precision",
    "Greenway Grocers",
    "Northgate Foods",
    "Pinecrest Distribution",
    "Keystone Components",
    "Bramble & Finch Bakeries",
)
LESSORS = ("Atlas Equipment Finance", "Crestline Leasing", "Meridian Asset Finance")

INPUTS = (  # name, label, row on Inputs
    ("StartDate", "Start date (purchase date / first lease payment)", 2),
    ("Price", "Purchase price ($)", 3),
    ("ResidualValue", "Residual value: sale price at the end of the term ($)", 4),
    ("TaxLife", "Tax depreciation life (years, straight-line to zero)", 5),
    ("MaintenanceYear1", "Maintenance if bought, first 12 months ($ per year)", 6),
    ("MaintenanceEscalation", "Maintenance escalation every 12 months", 7),
    ("TermMonths", "Lease term = holding period (months)", 8),
    ("PaymentMonths", "Months between lease payments", 9),
    ("LeasePayment", "Lease payment per period, in advance ($)", 10),
    ("TaxRate", "Tax rate", 11),
    ("DebtRate", "Pre-tax cost of debt", 12),
)
SCHEDULE_HEADERS = (
    "Period",
    "Date",
    "Tax depreciation",
    "Maintenance",
    "Buy: after-tax flow",
    "Lease: after-tax flow",
    "Lease - buy",
)
SUMMARY_LABELS = {
    2: "After-tax cost of debt",
    3: "XNPV of buying",
    4: "XNPV of leasing",
    5: "Net advantage to leasing (lease - buy)",
    6: "XIRR of the lease - buy flows",
    7: "PV of the after-tax residual proceeds",
    9: "Tax book value at the end of the term",
    10: "After-tax residual proceeds",
}


def schedule(x: Mapping[str, float]) -> dict[str, Any]:
    """The whole model, computed from the inputs as the formulas compute it."""
    step = int(x["PaymentMonths"])
    periods = int(x["TermMonths"]) // step
    tax = x["TaxRate"]
    start = to_date(x["StartDate"])
    dates = [edate(start, step * k) for k in range(periods + 1)]
    depreciation = [0.0]
    maintenance = [0.0]
    for k in range(1, periods + 1):
        depreciation.append(x["Price"] / x["TaxLife"] * yearfrac_30_360(dates[k - 1], dates[k]))
        contract_year = int(yearfrac_30_360(start, dates[k - 1]))
        maintenance.append(
            x["MaintenanceYear1"] * step / 12 * (1 + x["MaintenanceEscalation"]) ** contract_year
        )
    book_value = x["Price"] - sum(depreciation)
    residual = x["ResidualValue"] - tax * (x["ResidualValue"] - book_value)
    buy = [-x["Price"]]
    for k in range(1, periods + 1):
        buy.append(-maintenance[k] * (1 - tax) + tax * depreciation[k])
    buy[-1] += residual
    lease = [-x["LeasePayment"] * (1 - tax) if k < periods else 0.0 for k in range(periods + 1)]
    incremental = [lf - bf for lf, bf in zip(lease, buy, strict=True)]
    rate = x["DebtRate"] * (1 - tax)
    return {
        "dates": dates,
        "buy": buy,
        "lease": lease,
        "incremental": incremental,
        "rate": rate,
        "residual": residual,
    }


def outputs_of(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth: dates, both options' flows, their XNPVs and NAL, the XIRR, the residual's PV."""
    model = schedule(x)
    dates, rate = model["dates"], model["rate"]
    pv_buy = xnpv(rate, model["buy"], dates)
    pv_lease = xnpv(rate, model["lease"], dates)
    years = (dates[-1] - dates[0]).days / 365  # YEARFRAC basis 3, actual/365
    return {
        "PaymentDates": [to_serial(d) for d in dates],
        "BuyFlows": model["buy"],
        "LeaseFlows": model["lease"],
        "Valuation": [pv_buy, pv_lease, pv_lease - pv_buy],
        "IncrementalIrr": [xirr(model["incremental"], dates)],
        "ResidualPv": [model["residual"] / (1 + rate) ** years],
    }


def well_posed(x: Mapping[str, float]) -> bool:
    """One sign change in the lease - buy flows (+ then -), and a moderate XIRR."""
    model = schedule(x)
    flows = model["incremental"]
    if flows[0] <= 0 or max(flows[1:]) >= -1.0:
        return False
    rate = xirr(flows, model["dates"])
    return -0.2 < rate < 0.5


def perturbations_of(x: Mapping[str, float]) -> list[dict[str, float]]:
    """Three input changes; the first moves the start date (and so every date)."""
    return [
        {
            "StartDate": to_serial(edate(to_date(x["StartDate"]), 2)),
            "Price": float(round(x["Price"] * 1.05, -3)),
        },
        {
            "DebtRate": x["DebtRate"] + 0.015,
            "ResidualValue": float(round(x["ResidualValue"] * 0.8, -3)),
            "TaxLife": x["TaxLife"] + 1,
        },
        {
            "TaxRate": x["TaxRate"] + 0.04,
            "LeasePayment": float(round(x["LeasePayment"] * 1.04)),
            "MaintenanceYear1": float(round(x["MaintenanceYear1"] * 1.15, -2)),
            "MaintenanceEscalation": x["MaintenanceEscalation"] + 0.01,
        },
    ]


def cells_for(periods: int) -> Any:
    """Verifier 2's truth for a schedule of ``periods`` + 1 rows: every cell, some held."""

    def truth(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
        cells = Cells(held)
        put = cells.put
        step, tax = int(x["PaymentMonths"]), x["TaxRate"]
        start = to_date(x["StartDate"])
        serials = cells.put_all(
            "PaymentDates", [to_serial(edate(start, step * k)) for k in range(periods + 1)]
        )
        dates = [to_date(serial) for serial in serials]
        depreciation = [
            put("Depreciation", x["Price"] / x["TaxLife"] * _yearfrac(dates[k - 1], dates[k]))
            for k in range(1, periods + 1)
        ]
        maintenance = [
            put(
                "Maintenance",
                x["MaintenanceYear1"]
                * step
                / 12
                * (1 + x["MaintenanceEscalation"]) ** math.floor(_yearfrac(start, dates[k - 1])),
            )
            for k in range(1, periods + 1)
        ]
        book = put("BookValue", x["Price"] - sum(depreciation))
        residual = put("ResidualProceeds", x["ResidualValue"] - tax * (x["ResidualValue"] - book))
        buy = [put("BuyFlows", -x["Price"])]
        for k in range(1, periods + 1):
            flow = -maintenance[k - 1] * (1 - tax) + tax * depreciation[k - 1]
            buy.append(put("BuyFlows", flow + (residual if k == periods else 0.0)))
        term_periods = x["TermMonths"] / step
        lease = cells.put_all(
            "LeaseFlows",
            [
                -x["LeasePayment"] * (1 - tax) if k < term_periods else 0.0
                for k in range(periods + 1)
            ],
        )
        incremental = cells.put_all(
            "LeaseMinusBuy", [lf - bf for lf, bf in zip(lease, buy, strict=True)]
        )
        rate = put("AfterTaxRate", x["DebtRate"] * (1 - tax))
        pv_buy = put("Valuation", xnpv(rate, buy, dates))
        pv_lease = put("Valuation", xnpv(rate, lease, dates))
        put("Valuation", pv_lease - pv_buy)
        put("IncrementalIrr", xirr(incremental, dates))
        years = (dates[-1] - start).days / 365
        put("ResidualPv", residual / (1 + rate) ** years)
        return cells.rows

    return truth


def _yearfrac(start: date, end: date) -> float:
    """YEARFRAC basis 0 of two dates in either order, as Excel gives it (never negative)."""
    return yearfrac_30_360(min(start, end), max(start, end))


def _a_week_off(serial: float) -> float:
    """A date a week earlier (a week later early in a month): never the end of February."""
    day = to_date(serial).day
    return serial - 7 if day > 7 else serial + 7


def _other_start(rng: Random, serial: float) -> float:
    return to_serial(edate(to_date(serial), rng.choice((-5, -3, -2, -1, 1, 2, 4, 7))))


def coverage(periods: int, last: int) -> Coverage:
    """What verifier 2 checks: every column and summary cell, how they link, every input."""
    outputs = [
        Output("PaymentDates", f"dates, periods 0-{periods}", dates=True),
        Output("Depreciation", f"tax depreciation, periods 1-{periods}"),
        Output("Maintenance", f"maintenance, periods 1-{periods}"),
        Output("BuyFlows", "after-tax flows of buying"),
        Output("LeaseFlows", "after-tax flows of leasing"),
        Output("LeaseMinusBuy", "lease - buy flows"),
        Output("AfterTaxRate", "after-tax cost of debt"),
        Output("Valuation", "XNPV of buying, of leasing, and the NAL"),
        Output("IncrementalIrr", "XIRR of the lease - buy flows"),
        Output("ResidualPv", "PV of the after-tax residual proceeds"),
        Output("BookValue", "tax book value at the end of the term"),
        Output("ResidualProceeds", "after-tax residual proceeds"),
    ]
    links = [
        Link(
            "PaymentDates",
            (("Depreciation", 0), ("Valuation", 0), ("Valuation", 1)),
            held_at=_a_week_off,
        ),
        Link("Depreciation", (("BuyFlows", 1), ("BookValue", 0))),
        Link("Maintenance", (("BuyFlows", 1),)),
        Link("BuyFlows", (("Valuation", 0), ("LeaseMinusBuy", 0))),
        Link("LeaseFlows", (("Valuation", 1), ("LeaseMinusBuy", 0))),
        Link("LeaseMinusBuy", (("IncrementalIrr", 0),)),
        Link("AfterTaxRate", (("Valuation", 0), ("Valuation", 1), ("ResidualPv", 0))),
        Link("Valuation", (("Valuation", 2),)),
        Link("BookValue", (("ResidualProceeds", 0),)),
        Link("ResidualProceeds", (("BuyFlows", periods), ("ResidualPv", 0))),
    ]
    return Coverage(
        outputs=outputs,
        truth=cells_for(periods),
        links=links,
        headline=(
            "PaymentDates",
            "BuyFlows",
            "LeaseFlows",
            "Valuation",
            "IncrementalIrr",
            "ResidualPv",
        ),
        names={
            "Depreciation": f"Schedule!C3:C{last}",
            "Maintenance": f"Schedule!D3:D{last}",
            "LeaseMinusBuy": f"Schedule!G2:G{last}",
            "AfterTaxRate": "Summary!B2",
            "BookValue": "Summary!B9",
            "ResidualProceeds": "Summary!B10",
        },
        moves={"StartDate": _other_start},
        layout=frozenset({"TermMonths", "PaymentMonths"}),
        valid=lambda x: x["TaxLife"] * 12 >= x["TermMonths"] and well_posed(x),
    )


def draw_inputs(rng: Random, low: int, high: int) -> dict[str, float]:
    """The deal: price, residual, tax and maintenance, and a lessor's quoted payment."""
    step = rng.choice((1, 3))
    term = rng.choice((36, 48, 60))
    periods = term // step
    start = date(rng.randrange(2025, 2028), rng.randrange(1, 13), rng.randrange(1, 28))
    price = float(round(rng.uniform(low, high), -3))
    residual = float(round(price * rng.uniform(0.12, 0.35), -3))
    maintenance = float(round(price * rng.uniform(0.02, 0.05), -2))
    escalation = rng.randrange(20, 51) / 1000
    debt_rate = rng.randrange(50, 91) / 1000
    # The lessor prices the payments (in advance) to earn its implicit rate on the price
    # less the residual it expects, and adds a charge for the maintenance it takes on.
    implicit = (debt_rate + rng.uniform(-0.02, 0.02)) * step / 12
    lessor_residual = residual * rng.uniform(0.8, 1.1)
    annuity_due = (1 - (1 + implicit) ** -periods) / implicit * (1 + implicit)
    finance = (price - lessor_residual / (1 + implicit) ** periods) / annuity_due
    service = maintenance * step / 12 * (1 + escalation) ** ((term / 12 - 1) / 2)
    payment = float(round(finance + service * rng.uniform(0.85, 1.1), -1))
    return {
        "StartDate": to_serial(start),
        "Price": price,
        "ResidualValue": residual,
        "TaxLife": float(term // 12 + rng.randrange(0, 4)),
        "MaintenanceYear1": maintenance,
        "MaintenanceEscalation": escalation,
        "TermMonths": float(term),
        "PaymentMonths": float(step),
        "LeasePayment": payment,
        "TaxRate": rng.randrange(21, 31) / 100,
        "DebtRate": debt_rate,
    }


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw the deal; lay out Inputs, an empty Schedule (periods given) and Summary."""
    asset, low, high = rng.choice(ASSETS)
    while True:
        inputs = draw_inputs(rng, low, high)
        perturbations = perturbations_of(inputs)
        if all(well_posed({**inputs, **change}) for change in [{}, *perturbations]):
            break
    step = int(inputs["PaymentMonths"])
    periods = int(inputs["TermMonths"]) // step
    last = periods + 2  # row of the last date (period N); period 0 is on row 2

    workbook = Workbook()
    sheet = inputs_sheet(workbook, INPUTS, inputs)
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 52

    schedule_sheet = workbook.create_sheet("Schedule")
    for index, header in enumerate(SCHEDULE_HEADERS):
        schedule_sheet.cell(row=1, column=index + 1, value=header)
    for k in range(periods + 1):
        schedule_sheet[f"A{k + 2}"] = k
    summary = workbook.create_sheet("Summary")
    for row, label in SUMMARY_LABELS.items():
        summary[f"A{row}"] = label
    summary.column_dimensions["A"].width = 40

    define_name(workbook, "PaymentDates", "Schedule", f"B2:B{last}")
    define_name(workbook, "BuyFlows", "Schedule", f"E2:E{last}")
    define_name(workbook, "LeaseFlows", "Schedule", f"F2:F{last}")
    define_name(workbook, "Valuation", "Summary", "B3:B5")
    define_name(workbook, "IncrementalIrr", "Summary", "B6")
    define_name(workbook, "ResidualPv", "Summary", "B7")

    dates = f"Schedule!B2:B{last}"
    solution = [
        write_call(
            "Schedule",
            {
                f"B2:B{last}": "=EDATE(Inputs!$B$2,Inputs!$B$9*A2)",
                "C2": 0,
                f"C3:C{last}": "=Inputs!$B$3/Inputs!$B$5*YEARFRAC(B2,B3,0)",
                "D2": 0,
                f"D3:D{last}": (
                    "=Inputs!$B$6*Inputs!$B$9/12*(1+Inputs!$B$7)^INT(YEARFRAC(Inputs!$B$2,B2,0))"
                ),
                "E2": "=-Inputs!$B$3",
                f"E3:E{last - 1}": "=-D3*(1-Inputs!$B$11)+Inputs!$B$11*C3",
                f"E{last}": (f"=-D{last}*(1-Inputs!$B$11)+Inputs!$B$11*C{last}+Summary!$B$10"),
                f"F2:F{last}": "=IF(A2<Inputs!$B$8/Inputs!$B$9,-Inputs!$B$10*(1-Inputs!$B$11),0)",
                f"G2:G{last}": "=F2-E2",
            },
        ),
        write_call(
            "Summary",
            {
                "B2": "=Inputs!B12*(1-Inputs!B11)",
                "B3": f"=XNPV(B2,Schedule!E2:E{last},{dates})",
                "B4": f"=XNPV(B2,Schedule!F2:F{last},{dates})",
                "B5": "=B4-B3",
                "B6": f"=XIRR(Schedule!G2:G{last},{dates})",
                "B7": f"=PV(B2,YEARFRAC(Inputs!B2,Schedule!B{last},3),0,-B10)",
                "B9": f"=Inputs!B3-SUM(Schedule!C2:C{last})",
                "B10": "=Inputs!B4-Inputs!B11*(Inputs!B4-B9)",
            },
        ),
        {
            "tool": "set_number_format",
            "args": {"range": f"Schedule!B2:B{last}", "format": "yyyy-mm-dd"},
        },
    ]
    start = to_date(inputs["StartDate"])
    return Scenario(
        workbook=workbook,
        variables={
            "company": rng.choice(COMPANIES),
            "asset": asset,
            "lessor": rng.choice(LESSORS),
            "start": f"{start.day} {start.strftime('%B %Y')}",
            "frequency": "quarterly" if step == 3 else "monthly",
            "period": "quarter" if step == 3 else "month",
            "term_months": int(inputs["TermMonths"]),
            "periods": periods,
            "last_period": periods - 1,
            "last_row": last,
        },
        inputs=inputs,
        outputs=[
            Output("PaymentDates", f"dates, periods 0-{periods}", dates=True),
            Output("BuyFlows", "after-tax flows of buying"),
            Output("LeaseFlows", "after-tax flows of leasing"),
            Output("Valuation", "XNPV of buying, of leasing, and the NAL"),
            Output("IncrementalIrr", "XIRR of the lease - buy flows"),
            Output("ResidualPv", "PV of the after-tax residual proceeds"),
        ],
        truth=outputs_of,
        perturbations=perturbations,
        solution=solution,
        model_sheets=["Schedule", "Summary"],
        first_view="Inputs!A1:B12",
        coverage=coverage(periods, last),
    )
