"""Errors hidden inside IFERROR and its kin: the rewrite that unmasks them, and the gate.

The rewrite keeps a formula's value wherever what it guards is not an error, so the
cells computed from it see what they always saw; the gate is replayed through the
agent's tools in test_strategies.py, and here on a workbook of its own.
"""

import io
from collections.abc import Iterator

import pytest
from openpyxl import Workbook as XlsxWorkbook

from skillgym.envs.spreadsheet.engine import Workbook
from skillgym.envs.spreadsheet.swallowing import hidden_errors, unmasked


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=IFERROR(1/A1,0)", "=IF(SUMPRODUCT(ISERROR(1/A1)*1)>0,NA(),IFERROR(1/A1,0))"),
        ("=ISNA(B2)*3", "=IF(SUMPRODUCT(ISERROR(B2)*1)>0,NA(),ISNA(B2))*3"),
        (
            "=XLOOKUP(1,A1:A3,B1:B3,0)",
            "=IF(SUMPRODUCT(ISERROR(XLOOKUP(1,A1:A3,B1:B3))*1)>0,NA(),XLOOKUP(1,A1:A3,B1:B3,0))",
        ),
        ("=SUM(A1:A3)+XLOOKUP(1,A1:A3,B1:B3)", None),  # nothing guarded: left alone
    ],
)
def test_each_error_swallowing_call_shows_na_when_what_it_guards_is_an_error(formula, expected):
    new, count = unmasked(formula)
    assert (new, count) == ((expected, 1) if expected else (formula, 0))


def test_nested_swallowing_is_unmasked_from_the_inside_out():
    new, count = unmasked('=IFERROR(IFERROR(1/0,2),"x")')
    assert count == 2
    assert new.startswith("=IF(SUMPRODUCT(ISERROR(IF(SUMPRODUCT(ISERROR(1/0)*1)>0,NA(),")


@pytest.fixture(scope="module")
def workbook() -> Iterator[Workbook]:
    book = XlsxWorkbook()
    sheet = book.active
    sheet.title = "Inputs"
    sheet["B2"], sheet["B3"] = 5, 0
    book.create_sheet("Model")
    data = io.BytesIO()
    book.save(data)
    opened = Workbook(data.getvalue())
    yield opened
    opened.close()


def test_the_gate_names_the_cells_that_hide_an_error_and_leaves_every_formula_as_it_was(workbook):
    cells = [
        ["A1", "=IFERROR(1/Inputs!B3,0)"],  # hides #DIV/0!
        ["A2", "=IFERROR(1/Inputs!B2,0)"],  # guards nothing that fails
        ["A3", "=IF(ISERROR(A1*0+1/Inputs!B3),1,2)"],  # hides it too
        ["A4", "=A2*2"],
    ]
    workbook.call("write", sheet="Model", cells=cells)
    check = hidden_errors(workbook, ["Model"], allowed={("Model", 1, 0)})
    assert not check.passed and check.essential
    assert check.actual == (
        "what these guard is an error: Model!A1 =IFERROR(1/Inputs!B3,0); "
        "Model!A3 =IF(ISERROR(A1*0+1/Inputs!B3),1,2)"
    )
    read = workbook.call("read", sheet="Model", area="A1:A4")["cells"]
    assert [row[0][0] for row in read] == [formula for _, formula in cells]
    assert [row[0][1] for row in read] == [0.0, 0.2, 1.0, 0.4]
    assert hidden_errors(workbook, ["Model"], allowed={("Model", 0, 0), ("Model", 2, 0)}).passed


def test_a_sheet_too_large_to_inspect_fails_the_gate_saying_so(workbook):
    workbook.call("write", sheet="Inputs", cells=[["ZZ9999", "note"]])
    check = hidden_errors(workbook, ["Inputs"])
    assert not check.passed
    assert check.actual == (
        "could not inspect Inputs, whose used area A1:ZZ9999 holds over 250,000 cells"
    )
