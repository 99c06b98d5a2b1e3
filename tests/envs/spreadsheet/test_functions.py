"""The engine computes the functions financial models use, each checked against Python.

Every expected value here is worked out independently of LibreOffice: a closed form,
datetime arithmetic, ``solvers.py`` (Excel's conventions in plain Python) or a number
worked by hand in a comment. The table of cases reads as the specification: one test
id per function and behaviour. All the formulas go into one workbook in one write, so
the whole file costs a single document open and recalculation.
"""

import calendar
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import openpyxl
import pytest

from skillgym.envs.spreadsheet import solvers
from skillgym.envs.spreadsheet.engine import Workbook
from skillgym.envs.spreadsheet.grid import error_name, is_error

EXCEL_EPOCH = date(1899, 12, 30)  # serial 0 in the 1900 date system (serial 61 = 1900-03-01)


def serial(day: date) -> float:
    """A date as the spreadsheet's day number."""
    return float((day - EXCEL_EPOCH).days)


# ---- the Inputs sheet --------------------------------------------------------------
CATEGORIES = ["rent", "fees", "rent", "fees", "rent"]  # A1:A5
AMOUNTS = [10.0, 20.0, 30.0, 40.0, 50.0]  # B1:B5
YEARS = [2023, 2023, 2024, 2024, 2024]  # C1:C5
WEIGHTS = [1.0, 2.0, 3.0, 4.0, 5.0]  # D1:D5
DISCOUNT_RATE = 0.1  # F1
ZERO = 0.0  # F2
HALF = 2.5  # F3
LOAN_RATE, LOAN_YEARS, LOAN = 0.06, 30, 200_000.0  # F5, F6, F7
FLOWS = [-1000.0, 300.0, 400.0, 500.0, 200.0]  # H1:H5
FLOW_DATES = [  # I1:I5, as serials
    date(2024, 1, 1),
    date(2024, 3, 15),
    date(2024, 9, 30),
    date(2025, 2, 28),
    date(2025, 12, 31),
]
LOOKUP = {"AAA": 1.1, "BBB": 2.2, "CCC": 3.3, "DDD": 4.4}  # K1:K4 -> L1:L4
JAN_31_2024 = date(2024, 1, 31)  # N1, as a serial
DEBT = 250_000.0  # 'Debt Schedule'!A1
FILL_ROWS = [1.0, 2.0, 3.0]  # Fill!A2:A4
FILL_COLUMNS = [10.0, 20.0, 30.0]  # Fill!B1:D1


def book_bytes() -> bytes:
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    for row, (category, amount, year, weight) in enumerate(
        zip(CATEGORIES, AMOUNTS, YEARS, WEIGHTS, strict=True), start=1
    ):
        inputs[f"A{row}"], inputs[f"B{row}"] = category, amount
        inputs[f"C{row}"], inputs[f"D{row}"] = year, weight
    inputs["F1"], inputs["F2"], inputs["F3"] = DISCOUNT_RATE, ZERO, HALF
    inputs["F5"], inputs["F6"], inputs["F7"] = LOAN_RATE, LOAN_YEARS, LOAN
    for row, (flow, day) in enumerate(zip(FLOWS, FLOW_DATES, strict=True), start=1):
        inputs[f"H{row}"], inputs[f"I{row}"] = flow, serial(day)
    for row, (code, price) in enumerate(LOOKUP.items(), start=1):
        inputs[f"K{row}"], inputs[f"L{row}"] = code, price
    inputs["N1"] = serial(JAN_31_2024)
    book.create_sheet("Debt Schedule")["A1"] = DEBT
    fill = book.create_sheet("Fill")
    for row, multiplier in enumerate(FILL_ROWS, start=2):
        fill[f"A{row}"] = multiplier
    for column, base in zip("BCD", FILL_COLUMNS, strict=True):
        fill[f"{column}1"] = base
    book.create_sheet("Calc")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- independent references ----------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """EDATE: the same day ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def end_of_month(day: date, months: int) -> date:
    """EOMONTH: the last day of the month ``months`` after ``day``'s."""
    shifted = add_months(day.replace(day=1), months)
    return shifted.replace(day=calendar.monthrange(shifted.year, shifted.month)[1])


def yearfrac_actual_actual(start: date, end: date) -> float:
    """YEARFRAC basis 1, for the two cases used: within one calendar year, or over a year."""
    days = (end - start).days
    if start.year == end.year:
        return days / (366 if calendar.isleap(start.year) else 365)
    assert add_months(start, 12) < end, (
        "the 'less than a year across two years' rule is not modelled"
    )
    years = range(start.year, end.year + 1)
    average_year = sum(366 if calendar.isleap(y) else 365 for y in years) / len(years)
    return days / average_year


def round_half_away(number: str, places: int) -> float:
    """Excel's ROUND on the decimal as written: halves go away from zero."""
    return float(Decimal(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ExcelError:
    """An expected error, by the name Excel shows (the engine gives a numeric code)."""

    name: str


assert round(2.5) == 2 and round(-2.5) == -2 and round(1.005, 2) == 1.0  # Python: not Excel

MONEY = 1e-6
RATE = 1e-9
EXACT = 0.0
MONTHLY = LOAN_RATE / 12
PERIODS = LOAN_YEARS * 12
RANGE_A, RANGE_B, RANGE_C, RANGE_D = "Inputs!A1:A5", "Inputs!B1:B5", "Inputs!C1:C5", "Inputs!D1:D5"
CODES, PRICES = "Inputs!K1:K4", "Inputs!L1:L4"
TERM = "Inputs!F6*12,Inputs!F7"  # periods, present value
LOAN_ARGS = f"Inputs!F5/12,{TERM}"  # rate, periods, present value

CASES = [
    # -- aggregation
    ("SUM", f"=SUM({RANGE_B})", sum(AMOUNTS), EXACT),
    (
        "SUM-mixed-arguments",
        f"=SUM({RANGE_B},5,Inputs!F1)",
        sum(AMOUNTS) + 5 + DISCOUNT_RATE,
        MONEY,
    ),
    ("SUMPRODUCT", f"=SUMPRODUCT({RANGE_B},{RANGE_D})", 550.0, EXACT),  # 10+40+90+160+250
    (
        "SUMIFS",
        f'=SUMIFS({RANGE_B},{RANGE_A},"rent",{RANGE_C},">=2024")',
        sum(
            a
            for a, c, y in zip(AMOUNTS, CATEGORIES, YEARS, strict=True)
            if c == "rent" and y >= 2024
        ),  # 30 + 50
        EXACT,
    ),
    ("MIN", "=MIN(Inputs!H1:H5)", min(FLOWS), EXACT),
    ("MAX", f"=MAX({RANGE_B},Inputs!H1:H5)", max(AMOUNTS + FLOWS), EXACT),
    # -- logic
    ("IF-text", f'=IF(SUM({RANGE_B})>100,"over","under")', "over", None),
    ("IF-number", "=IF(Inputs!F2=0,Inputs!F1,-1)", DISCOUNT_RATE, EXACT),
    ("IFERROR-on-DIV0", "=IFERROR(1/Inputs!F2,-1)", -1.0, EXACT),
    ("IFERROR-passes-a-value", "=IFERROR(Inputs!B2/Inputs!B1,-1)", 2.0, EXACT),
    # -- rounding: half away from zero, on the decimal as shown
    ("ROUND-half-up", "=ROUND(2.5,0)", 3.0, EXACT),
    ("ROUND-half-negative", "=ROUND(-2.5,0)", -3.0, EXACT),
    ("ROUND-cell", "=ROUND(Inputs!F3,0)", round_half_away("2.5", 0), EXACT),
    ("ROUND-1.005", "=ROUND(1.005,2)", round_half_away("1.005", 2), EXACT),  # 1.01
    ("ROUND-negative-places", "=ROUND(-1234.5678,-2)", -1200.0, EXACT),
    # -- lookups
    ("MATCH-exact", f'=MATCH("CCC",{CODES},0)', 3.0, EXACT),
    ("INDEX-MATCH", f'=INDEX({PRICES},MATCH("CCC",{CODES},0))', LOOKUP["CCC"], EXACT),
    ("XLOOKUP-exact", f'=XLOOKUP("BBB",{CODES},{PRICES})', LOOKUP["BBB"], EXACT),
    ("XLOOKUP-if-not-found", f'=XLOOKUP("ZZZ",{CODES},{PRICES},"none")', "none", None),
    # -- discounting
    (
        "NPV",
        "=NPV(Inputs!F1,Inputs!H2:H5)+Inputs!H1",
        FLOWS[0] + solvers.npv(DISCOUNT_RATE, FLOWS[1:]),
        MONEY,
    ),
    # NPV discounts its first value one period: 110 / 1.1 = 100
    ("NPV-one-period", "=NPV(0.1,110)", 100.0, MONEY),
    ("IRR", "=IRR(Inputs!H1:H5)", solvers.irr(FLOWS), RATE),
    ("IRR-two-flows", "=IRR({-100,110})", 0.1, RATE),  # 110 / 100 - 1
    (
        "XNPV",
        "=XNPV(Inputs!F1,Inputs!H1:H5,Inputs!I1:I5)",
        solvers.xnpv(DISCOUNT_RATE, FLOWS, FLOW_DATES),
        MONEY,
    ),
    ("XIRR", "=XIRR(Inputs!H1:H5,Inputs!I1:I5)", solvers.xirr(FLOWS, FLOW_DATES), 1e-8),
    # -- loans and annuities
    ("PMT", f"=PMT({LOAN_ARGS})", solvers.pmt(MONTHLY, PERIODS, LOAN), MONEY),
    ("PMT-zero-rate", "=PMT(0,10,1000)", -100.0, MONEY),
    (  # the borrower pays interest: negative
        "IPMT-borrower",
        f"=IPMT(Inputs!F5/12,12,{TERM})",
        solvers.ipmt(MONTHLY, 12, PERIODS, LOAN),
        MONEY,
    ),
    # The lender's side: lent out (present value -200,000), interest comes IN.
    ("IPMT-lender-first", "=IPMT(0.06/12,1,360,-200000)", 200_000 * 0.06 / 12, MONEY),  # +1000
    (
        "IPMT-lender-later",
        "=IPMT(0.06/12,12,360,-200000)",
        solvers.ipmt(MONTHLY, 12, PERIODS, -LOAN),
        MONEY,
    ),
    ("PPMT", f"=PPMT(Inputs!F5/12,1,{TERM})", solvers.ppmt(MONTHLY, 1, PERIODS, LOAN), MONEY),
    (
        "PPMT-plus-IPMT-is-PMT",
        "=PPMT(0.06/12,7,360,200000)+IPMT(0.06/12,7,360,200000)",
        solvers.pmt(MONTHLY, PERIODS, LOAN),
        MONEY,
    ),
    ("FV", "=FV(0.06/12,120,-500)", solvers.fv(0.005, 120, -500.0), MONEY),
    (
        "FV-with-present-value",
        "=FV(0.04,10,-1000,-5000)",
        solvers.fv(0.04, 10, -1000, -5000),
        MONEY,
    ),
    ("PV", "=PV(0.07,10,-1000)", 1000 * (1 - 1.07**-10) / 0.07, MONEY),
    ("PV-of-a-future-value", "=PV(0.05,5,0,-10000)", 10_000 / 1.05**5, MONEY),
    # -- dates
    ("DATE", "=DATE(2024,1,31)", serial(JAN_31_2024), EXACT),
    ("EDATE-clamps-to-leap-Feb", "=EDATE(Inputs!N1,1)", serial(add_months(JAN_31_2024, 1)), EXACT),
    (
        "EDATE-clamps-to-Feb-28",
        "=EDATE(DATE(2023,1,31),1)",
        serial(add_months(date(2023, 1, 31), 1)),
        EXACT,
    ),
    ("EDATE-backwards", "=EDATE(Inputs!N1,-2)", serial(add_months(JAN_31_2024, -2)), EXACT),
    (
        "EOMONTH-leap-year",
        "=EOMONTH(DATE(2024,2,10),0)",
        serial(end_of_month(date(2024, 2, 10), 0)),
        EXACT,
    ),
    ("EOMONTH-next", "=EOMONTH(Inputs!N1,1)", serial(end_of_month(JAN_31_2024, 1)), EXACT),
    (
        "EOMONTH-out-of-leap-year",
        "=EOMONTH(DATE(2024,2,29),12)",
        serial(end_of_month(date(2024, 2, 29), 12)),
        EXACT,
    ),
    (
        "YEARFRAC-basis0",
        "=YEARFRAC(DATE(2024,1,15),DATE(2024,7,15),0)",
        solvers.yearfrac_30_360(date(2024, 1, 15), date(2024, 7, 15)),  # 180 / 360
        RATE,
    ),
    (
        "YEARFRAC-basis0-day-31",
        "=YEARFRAC(Inputs!N1,DATE(2025,3,31),0)",
        solvers.yearfrac_30_360(JAN_31_2024, date(2025, 3, 31)),  # (360 + 60 + 0) / 360
        RATE,
    ),
    (
        "YEARFRAC-basis0-end-31-only",
        "=YEARFRAC(DATE(2024,1,15),DATE(2024,3,31),0)",
        solvers.yearfrac_30_360(date(2024, 1, 15), date(2024, 3, 31)),  # (60 + 16) / 360
        RATE,
    ),
    (
        "YEARFRAC-basis1-leap-year",
        "=YEARFRAC(DATE(2024,1,1),DATE(2024,7,1),1)",
        yearfrac_actual_actual(date(2024, 1, 1), date(2024, 7, 1)),  # 182 / 366
        RATE,
    ),
    (
        "YEARFRAC-basis1-over-years",
        "=YEARFRAC(DATE(2023,7,1),DATE(2025,7,1),1)",
        yearfrac_actual_actual(date(2023, 7, 1), date(2025, 7, 1)),  # 731 / 365.33
        RATE,
    ),
    # -- references
    ("cross-sheet", "='Debt Schedule'!A1*Inputs!F1", DEBT * DISCOUNT_RATE, MONEY),
    ("named-range", "=SUM(Amounts)*Rate", sum(AMOUNTS) * DISCOUNT_RATE, MONEY),
    ("named-cell-in-function", "=PMT(Rate/12,12,-1200)", solvers.pmt(0.1 / 12, 12, -1200), MONEY),
    # -- errors, by the name Excel shows
    ("error-DIV0", "=1/Inputs!F2", ExcelError("#DIV/0!"), None),
    ("error-DIV0-propagates", f"=SUM({RANGE_B})+1/Inputs!F2", ExcelError("#DIV/0!"), None),
    ("error-REF", f"=INDEX({RANGE_B},9)", ExcelError("#REF!"), None),
    ("error-NA-failed-MATCH", f'=MATCH("ZZZ",{CODES},0)', ExcelError("#N/A"), None),
    ("error-NA-XLOOKUP", f'=XLOOKUP("ZZZ",{CODES},{PRICES})', ExcelError("#N/A"), None),
    ("error-NAME-function", "=NOSUCHFUNCTION(1)", ExcelError("#NAME?"), None),
    ("error-NAME-undefined-name", "=UndefinedName*2", ExcelError("#NAME?"), None),
]
# Case id -> why the engine is wrong there; such a case is a strict xfail, its truth kept.
# LibreOffice 25.2 gets every case above right.
KNOWN_WRONG: dict[str, str] = {}


@pytest.fixture(scope="module")
def workbook() -> Iterator[Workbook]:
    opened = Workbook(book_bytes())
    try:
        opened.call("define_name", name="Rate", refers_to="Inputs!$F$1")
        opened.call("define_name", name="Amounts", refers_to="Inputs!$B$1:$B$5")
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def results(workbook: Workbook) -> dict[str, list[Any]]:
    """Every case's formula written to Calc!A1:An at once; ``[content, value]`` by case."""
    cells = [[f"A{row}", formula] for row, (_, formula, _, _) in enumerate(CASES, start=1)]
    reply = workbook.call("write", sheet="Calc", cells=cells)
    assert reply["refused"] == []
    read = workbook.call("read", sheet="Calc", area=f"A1:A{len(CASES)}")["cells"]
    return {case[0]: row[0] for case, row in zip(CASES, read, strict=True)}


def params() -> list[Any]:
    out = []
    for case, formula, expected, tolerance in CASES:
        marks = []
        if case in KNOWN_WRONG:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[case]))
        out.append(pytest.param(case, formula, expected, tolerance, id=case, marks=marks))
    return out


@pytest.mark.parametrize(("case", "formula", "expected", "tolerance"), params())
def test_function(results, case, formula, expected, tolerance):
    content, shown = results[case][:2]  # a third item is the date, for date-formatted results
    # Read back in Excel's grammar as written (an unknown name comes back in lower case).
    assert content.casefold() == formula.casefold()
    if isinstance(expected, ExcelError):
        assert is_error(shown), f"{formula} gave {shown!r}, not {expected.name}"
        assert error_name(int(shown[1])) == expected.name
    elif isinstance(expected, str):
        assert shown == expected
    else:
        assert isinstance(shown, float), f"{formula} gave {shown!r}"
        assert shown == pytest.approx(expected, rel=0, abs=tolerance)


def test_a_formula_filled_across_a_range_moves_its_relative_references_only(workbook):
    """``=$A2*B$1`` over B2:D4: the column of $A and the row of $1 stay put."""
    workbook.call("write", sheet="Fill", cells=[["B2:D4", "=$A2*B$1"]])
    cells = workbook.call("read", sheet="Fill", area="B2:D4")["cells"]
    assert cells == [
        [
            [f"=$A{row}*{column}$1", multiplier * base]
            for column, base in zip("BCD", FILL_COLUMNS, strict=True)
        ]
        for row, multiplier in enumerate(FILL_ROWS, start=2)
    ]


def test_a_formula_filled_down_keeps_its_absolute_reference_to_another_sheet(workbook):
    workbook.call("write", sheet="Fill", cells=[["F1:F5", "=Inputs!B1*Inputs!$F$1"]])
    cells = workbook.call("read", sheet="Fill", area="F1:F5")["cells"]
    assert [content for [[content, _]] in cells] == [
        f"=Inputs!B{row}*Inputs!$F$1" for row in range(1, 6)
    ]
    assert [shown for [[_, shown]] in cells] == pytest.approx(
        [amount * DISCOUNT_RATE for amount in AMOUNTS], rel=0, abs=MONEY
    )
