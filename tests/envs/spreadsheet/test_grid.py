"""Cells as text: dates shown as dates, numbers as a person reads them, views never cut silently."""

import re

import pytest

from skillgym.envs.spreadsheet.addresses import Area
from skillgym.envs.spreadsheet.grid import readable_number, render_read, show_cell


def reply(first_row: int, first_column: int, rows: list[list]) -> dict:
    """A ``read`` reply as the engine sends it: ``[content, value]`` per non-empty cell."""
    return {"first_row": first_row, "first_column": first_column, "cells": rows}


def schedule_top(rows: int) -> dict:
    """Schedule!A1:G{rows}: a header row, then the month numbers in column A only."""
    header = [[f"h{c}", f"h{c}"] for c in range(7)]
    body = [[[str(m), float(m)], *[None] * 6] for m in range(1, rows)]
    return reply(0, 0, [header, *body])


# ---- dates ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "formula",
    [
        "=EOMONTH(Inputs!$B$6,A2-1)",
        "=DATE(2025,1,31)",
        "=edate(B1, 1)",
        "= WORKDAY(B1,5)",
        "=_xlfn.WORKDAY.INTL(B1,1,1)",
        "=EDATE('Q1 (draft)'!B2,1)",
        '=DATEVALUE("2025-01-31 (a Friday)")',
        "=TODAY()",
        "=NOW()",
    ],
)
def test_a_formula_whose_outermost_function_returns_a_date_shows_the_date(formula):
    assert show_cell("B2", formula, 45688.75) == f"B2: {formula} -> 45688.75 (2025-01-31)"


@pytest.mark.parametrize(
    "formula",
    [
        "=EOMONTH(B1,0)-B1",
        "=B1+30",
        "=SUM(B1:B3)",
        "=YEARFRAC(B1,C1,0)",
        "=IF(B1>0,EDATE(B1,1),0)",
        "=EDATE(B1,1)-EDATE(B1,0)",
        '=DATE(2025,1,1)&"("',
    ],
)
def test_a_formula_that_does_not_end_in_a_date_function_shows_only_its_number(formula):
    assert show_cell("B2", formula, 45688.0) == f"B2: {formula} -> 45688"


def test_a_date_function_showing_an_error_or_text_shows_no_date():
    assert show_cell("B2", "=DATE(-1,1,1)", ["#", 502]) == "B2: =DATE(-1,1,1) -> #NUM!"
    assert show_cell("B2", "=EDATE(B1,1)", "soon") == "B2: =EDATE(B1,1) -> soon"


def test_a_number_in_a_date_format_keeps_the_date_the_engine_gave_it():
    assert show_cell("B6", "45688", 45688.0, "2025-01-31") == "B6=45688 (2025-01-31)"
    assert show_cell("B7", "=B6+1", 45689.0, "2025-02-01") == "B7: =B6+1 -> 45689 (2025-02-01)"


# ---- numbers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "tolerance", "text"),
    [
        (-5.684341886080802e-14, 1e-6, "0"),
        (6.49e-08, 1e-6, "0"),
        (-0.0, 0.0, "0"),
        (215.23798801234, 2.15e-4, "215.238"),
        (1234567.891, 1.23, "1234568"),
        (-12345.678912, 0.0123, "-12345.68"),
        (0.0525, 1e-6, "0.0525"),
        (45688.0, 0.0457, "45688"),
        (3e-5, 1e-6, "0.00003"),
        (0.30000000000000004, 0.0, "0.3"),
        (1234567.5, 0.0, "1234567.5"),
        (2 / 3, 0.0, "0.6666666667"),
        (123456789012.345, 0.0, "123456789012"),
    ],
)
def test_a_number_prints_to_its_tolerance_with_no_float_noise(value, tolerance, text):
    assert readable_number(value, tolerance) == text


def test_numbers_that_differ_by_more_than_the_tolerance_never_print_the_same():
    assert readable_number(1234567.6, 1.23) != readable_number(1234568.9, 1.23)


# ---- what a view shows and where the rest is ----------------------------------------
def test_a_view_showing_the_top_of_a_longer_sheet_ends_with_the_range_to_read_next():
    text, _ = render_read("Schedule", schedule_top(13), 6_000, used=Area(0, 0, 60, 6))
    lines = text.splitlines()
    assert lines[0] == "Schedule!A1:G13"
    assert lines[-1] == "[showing A1:G13 of A1:G61; read_range Schedule!A14:G61 for the rest]"


def test_a_view_holding_the_whole_used_range_has_no_rest_line():
    text, _ = render_read("Schedule", schedule_top(61), 6_000, used=Area(0, 0, 60, 6))
    assert "[showing" not in text and "for the rest" not in text
    wider, _ = render_read("Schedule", schedule_top(13), 6_000, used=Area(0, 0, 5, 3))
    assert "[showing" not in wider


def test_a_view_inside_the_used_range_lists_every_part_around_it_next_parts_first():
    cells = [[["1", 1.0], ["2", 2.0]], [["3", 3.0], ["4", 4.0]]]
    text, _ = render_read("Model", reply(4, 2, cells), 6_000, used=Area(0, 0, 17, 6))
    assert text.splitlines()[-1] == (
        "[showing C5:D6 of A1:G18; read_range Model!E5:G6 then Model!A7:G18 then "
        "Model!A1:G4 then Model!A5:B6 for the rest]"
    )


def test_an_empty_view_outside_the_used_range_says_where_the_used_range_is():
    text, _ = render_read("Model", reply(0, 9, [[None]]), 6_000, used=Area(0, 0, 17, 6))
    assert text == (
        "Model!J1 is empty.\n[showing J1 of A1:G18; read_range Model!A1:G18 for the rest]"
    )


def test_a_view_cut_by_its_budget_says_which_rows_it_shows_and_reads_on_from_there():
    rows = [[[f"note {r} " + "lorem " * 20, f"note {r}"]] for r in range(300)]
    text, shown = render_read("Notes", reply(0, 0, rows), 6_000, used=Area(0, 0, 299, 0))
    assert 0 < shown < 300
    assert text.splitlines()[-1] == (
        f"[showing A1:A{shown} of A1:A300; read_range Notes!A{shown + 1}:A300 for the rest]"
    )


def test_a_row_wider_than_the_budget_says_which_columns_it_shows_and_what_is_right_and_below():
    row = [[f"={'x' * 300}", "x"] for _ in range(30)]
    cells = [row, [None] * 30]
    text, _ = render_read("Wide", reply(0, 0, cells), 6_000, used=Area(0, 0, 1, 29))
    last = re.fullmatch(
        r"\[showing A1:([A-Z]+)1 of A1:AD2; read_range Wide!([A-Z]+)1:AD1 then Wide!A2:AD2 "
        r"for the rest\]",
        text.splitlines()[-1],
    )
    assert last, text.splitlines()[-1]
    assert ord(last.group(2)) == ord(last.group(1)) + 1
