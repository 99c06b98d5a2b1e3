"""A monthly amortisation schedule for a commercial loan with a balloon, from PMT/IPMT/PPMT.

Verifier 1 checked the dates, interest and closing balances and the summary; verifier 2
checks every column (opening balance, payment and principal too), that each opening
balance is the month before's closing and each closing the opening less the principal
(balances from closed forms fail), that the total interest sums the interest column and
the balance after the last payment is the schedule's, and moves every input, the term
too (the schedule keeps its rows; the payment is sized for the longer term).
"""

from __future__ import annotations

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
from skillgym.envs.spreadsheet.solvers import eomonth, ipmt, pmt, ppmt, to_date
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


def rows_for(term: int) -> Any:
    """Verifier 2's truth for a schedule of ``term`` rows: every column, some cells held."""

    def rows(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
        rate = x["AnnualRate"] / 12
        n = int(x["TermMonths"])  # may exceed the rows when the check lengthens the term
        principal, balloon = x["Principal"], x["Balloon"]
        cells = Cells(held)
        payment = pmt(rate, n, -principal, balloon)
        closing, interest = principal, []
        for k in range(1, term + 1):
            cells.put("PaymentDates", serial(month_end(x["FirstPayment"], k - 1)))
            opening = cells.put("OpeningBalance", principal if k == 1 else closing)
            cells.put("Payment", payment)
            interest.append(cells.put("Interest", ipmt(rate, k, n, -principal, balloon)))
            repaid = cells.put("PrincipalRepaid", ppmt(rate, k, n, -principal, balloon))
            closing = cells.put("ClosingBalance", opening - repaid)
        cells.put("MonthlyPayment", payment)
        cells.put("TotalInterest", sum(interest))
        cells.put("FinalBalance", closing)
        return cells.rows

    return rows


def _later_term(rng: Random, term: float) -> float:
    return term + rng.choice((6, 12, 18, 24))


def _other_balloon(rng: Random, balloon: float) -> float:
    if balloon == 0:
        return float(rng.randrange(5, 30) * 5_000)
    return float(round(balloon * rng.uniform(0.6, 1.4), -3))


def _other_first_payment(rng: Random, first: float) -> float:
    return serial(month_end(first, rng.choice((-3, -2, -1, 1, 2, 3, 5, 7, 11))))


def _sensible(x: Mapping[str, float]) -> bool:
    return 0 < x["AnnualRate"] < 0.5 and 0 <= x["Balloon"] < 0.8 * x["Principal"]


def shortcuts(last: int, rate: str, terms: str) -> dict[str, list[dict[str, Any]]]:
    """Blunt strategies of this task: closed forms with columns empty, the summary alone."""
    closed_form = [
        write_call(
            "Schedule",
            {
                f"B2:B{last}": "=EOMONTH(Inputs!$B$6,A2-1)",
                f"E2:E{last}": f"=IPMT({rate},A2,{terms})",
                f"G2:G{last}": f"=FV({rate},A2,PMT({rate},{terms}),-Inputs!$B$2)",
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
    summary_only = [
        write_call(
            "Summary",
            {
                "B2": f"=PMT({rate},{terms})",
                "B3": "=B2*Inputs!$B$4+Inputs!$B$5-Inputs!$B$2",
                "B4": "=Inputs!$B$5",
            },
        )
    ]
    return {
        "closed-form": closed_form,
        "summary-only": summary_only,
        "balloon-only": [write_call("Summary", {"B4": "=Balloon"})],
    }


def coverage(term: int, last: int, rate: str, terms: str) -> Coverage:
    """What verifier 2 checks: every column and summary cell, how they link, every input."""
    months = f"months 1-{term}"
    outputs = [
        Output("PaymentDates", "payment dates as serial numbers", dates=True),
        Output("OpeningBalance", f"opening balance, {months}"),
        Output("Payment", f"payment, {months}"),
        Output("Interest", f"interest, {months}"),
        Output("PrincipalRepaid", f"principal repaid, {months}"),
        Output("ClosingBalance", f"closing balance, {months}"),
        Output("MonthlyPayment", "monthly payment"),
        Output("TotalInterest", "total interest paid"),
        Output("FinalBalance", "balance after the last payment, before the balloon"),
    ]
    links = [
        Link("OpeningBalance", (("ClosingBalance", 0),)),
        Link("PrincipalRepaid", (("ClosingBalance", 0),)),
        Link("ClosingBalance", (("OpeningBalance", 1),)),
        Link("Interest", (("TotalInterest", 0),)),
        Link("LastClosingBalance", (("FinalBalance", 0),)),
    ]
    return Coverage(
        outputs=outputs,
        truth=rows_for(term),
        links=links,
        headline=(
            "PaymentDates",
            "Interest",
            "ClosingBalance",
            "MonthlyPayment",
            "TotalInterest",
            "FinalBalance",
        ),
        names={
            "OpeningBalance": f"Schedule!C2:C{last}",
            "Payment": f"Schedule!D2:D{last}",
            "PrincipalRepaid": f"Schedule!F2:F{last}",
            "LastClosingBalance": f"Schedule!G{last}",
        },
        probes={"LastClosingBalance": ("ClosingBalance", term - 1)},
        moves={
            "TermMonths": _later_term,
            "Balloon": _other_balloon,
            "FirstPayment": _other_first_payment,
        },
        valid=_sensible,
        shortcuts=shortcuts(last, rate, terms),
    )


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
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
        coverage=coverage(term, last, rate, terms),
    )
