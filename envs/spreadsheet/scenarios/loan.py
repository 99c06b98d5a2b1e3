"""A monthly amortisation schedule for a commercial loan with a balloon, from PMT/IPMT/PPMT."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
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
from skillgym.envs.spreadsheet.solvers import eomonth, ipmt, pmt, to_date
from skillgym.envs.spreadsheet.solvers import to_serial as serial

TERMS = (36, 48, 60, 72, 84)
BALLOON_SHARES = (0.0, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
BORROWERS = (
    "Alder Cold Storage",
    "Brightwater Marinas",
    "Copperline Fabrication",
    "Dunmore Medical Offices",
    "Eastgate Retail Park",
    "Fernhill Logistics",
)
LENDERS = ("First Harbour Bank", "Meridian Capital", "Northfield Credit Union", "Stonebridge Bank")

INPUTS = (  # name, label, row on Inputs
    ("Principal", "Loan principal ($)", 2),
    ("AnnualRate", "Annual interest rate (nominal, monthly compounding)", 3),
    ("TermMonths", "Term (monthly payments)", 4),
    ("Balloon", "Balloon due with the last payment ($)", 5),
    ("FirstPayment", "First payment date (a month end)", 6),
)
HEADERS = (
    "Month",
    "Payment date",
    "Opening balance",
    "Payment",
    "Interest",
    "Principal",
    "Closing balance",
)
SUMMARY = (
    "Monthly payment",
    "Total interest paid",
    "Balance after the last payment, before the balloon",
)


def month_end(serial_number: float, months: int) -> date:
    """EOMONTH of a day number, as a date."""
    return eomonth(to_date(serial_number), months)


def schedule(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth, computed from the inputs alone (payments shown as positive amounts)."""
    rate = x["AnnualRate"] / 12
    n = int(x["TermMonths"])
    principal, balloon = x["Principal"], x["Balloon"]
    payment = pmt(rate, n, -principal, balloon)
    interest = [ipmt(rate, k, n, -principal, balloon) for k in range(1, n + 1)]
    closing = []
    balance = principal
    for part in interest:
        balance -= payment - part
        closing.append(balance)
    return {
        "PaymentDates": [serial(month_end(x["FirstPayment"], k)) for k in range(n)],
        "Interest": interest,
        "ClosingBalance": closing,
        "MonthlyPayment": [payment],
        "TotalInterest": [sum(interest)],
        "FinalBalance": [closing[-1]],
    }


def build(rng: Random, params: dict[str, Any]) -> Scenario:
    """Draw the loan; lay out Inputs, an empty Schedule and an empty Summary."""
    term = rng.choice(TERMS)
    principal = float(rng.randrange(40, 400) * 25_000)
    first = month_end(serial(date(rng.randrange(2025, 2028), rng.randrange(1, 13), 1)), 0)
    inputs = {
        "Principal": principal,
        "AnnualRate": rng.randrange(90, 200) / 2000,
        "TermMonths": float(term),
        "Balloon": float(round(principal * rng.choice(BALLOON_SHARES))),
        "FirstPayment": serial(first),
    }
    last = term + 1  # the schedule's last row
    workbook = Workbook()
    sheet = inputs_sheet(workbook, INPUTS, inputs)
    sheet["B6"].number_format = "yyyy-mm-dd"
    model = workbook.create_sheet("Schedule")
    for column, header in zip("ABCDEFG", HEADERS, strict=True):
        model[f"{column}1"] = header
    for month in range(1, term + 1):
        model[f"A{month + 1}"] = month
    summary = workbook.create_sheet("Summary")
    for row, label in enumerate(SUMMARY, start=2):
        summary[f"A{row}"] = label
    summary["A1"], summary["B1"] = "Item", "Value"
    define_name(workbook, "PaymentDates", "Schedule", f"B2:B{last}")
    define_name(workbook, "Interest", "Schedule", f"E2:E{last}")
    define_name(workbook, "ClosingBalance", "Schedule", f"G2:G{last}")
    define_name(workbook, "MonthlyPayment", "Summary", "B2")
    define_name(workbook, "TotalInterest", "Summary", "B3")
    define_name(workbook, "FinalBalance", "Summary", "B4")
    rate = "Inputs!$B$3/12"
    terms = "Inputs!$B$4,-Inputs!$B$2,Inputs!$B$5"  # nper, pv (lent: negative), fv = balloon
    solution = [
        write_call(
            "Schedule",
            {
                f"B2:B{last}": "=EOMONTH(Inputs!$B$6,A2-1)",
                "C2": "=Inputs!$B$2",
                f"C3:C{last}": "=G2",
                f"D2:D{last}": f"=PMT({rate},{terms})",
                f"E2:E{last}": f"=IPMT({rate},A2,{terms})",
                f"F2:F{last}": f"=PPMT({rate},A2,{terms})",
                f"G2:G{last}": "=C2-F2",
            },
        ),
        write_call(
            "Summary",
            {
                "B2": f"=PMT({rate},{terms})",
                "B3": f"=SUM(Schedule!E2:E{last})",
                "B4": f"=Schedule!G{last}",
            },
        ),
    ]
    share = 0.1 if inputs["Balloon"] == 0 else -0.05
    later = month_end(inputs["FirstPayment"], 7)
    return Scenario(
        workbook=workbook,
        variables={
            "borrower": rng.choice(BORROWERS),
            "lender": rng.choice(LENDERS),
            "term": term,
            "last_row": last,
        },
        inputs=inputs,
        outputs=[
            Output("PaymentDates", "payment dates as serial numbers", dates=True),
            Output("Interest", f"interest, months 1-{term}"),
            Output("ClosingBalance", f"closing balance, months 1-{term}"),
            Output("MonthlyPayment", "monthly payment"),
            Output("TotalInterest", "total interest paid"),
            Output("FinalBalance", "balance after the last payment, before the balloon"),
        ],
        truth=schedule,
        perturbations=[
            {
                "AnnualRate": inputs["AnnualRate"] + 0.0125,
                "Balloon": inputs["Balloon"] + float(round(principal * share)),
            },
            {"Principal": principal * 1.2, "FirstPayment": serial(later)},
        ],
        solution=solution,
        model_sheets=["Schedule", "Summary"],
        first_view="Schedule!A1:G13",
    )
