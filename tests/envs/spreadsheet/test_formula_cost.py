"""What a formula reads per calculation, estimated from its text, and a workbook's ledger of it."""

import pytest

from skillgym.envs.spreadsheet import env as spreadsheet_env
from skillgym.envs.spreadsheet.addresses import parse_area
from skillgym.envs.spreadsheet.formula_cost import (
    DYNAMIC_CELLS,
    TRACKED_COST,
    WRITABLE_COLUMNS,
    WRITABLE_ROWS,
    FormulaLedger,
    formula_cost,
    reference_area,
)

HEAVY = "=SUMPRODUCT((Inputs!$A$1:$ZZ$10000=0)*1)+ROW()"
NAMES = {
    "pool": "=Inputs!$A$1:$ZZ$10000",
    "rate": "=Inputs!$B$2",
    "dates": "=Data!$A:$A",
}


def cells(formula: str) -> int:
    return formula_cost(formula, lambda name: NAMES.get(name.lower())).cells


def test_the_formula_that_stalled_a_server_reads_seven_million_cells_per_calculation():
    cost = formula_cost(HEAVY)
    assert (cost.cells, cost.largest, cost.largest_cells) == (
        7_020_000,
        "Inputs!$A$1:$ZZ$10000",
        7_020_000,
    )


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=SUM(Inputs!A:A)", 10_000),
        ('=SUMIF(Data!C:C,"k1",Data!B:B)', 20_000),
        ("=VLOOKUP(5,Data!A:B,2,0)", 20_000),
        ('=MATCH(B2,Data!$A:$A,0)+COUNTIFS(Data!A:A,B2,Data!B:B,">0")', 30_002),
        ("=INDEX(Data!C:C,MATCH(B2,Data!A:A,0))", 20_001),
    ],
)
def test_a_column_given_whole_to_a_function_that_reads_filled_cells_costs_the_rows_a_workbook_can_fill(
    formula, expected
):
    assert cells(formula) == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=SUMPRODUCT((Data!A:A=1)*Data!B:B)", 2 * 1_048_576),
        ("=SUMPRODUCT(Data!A:A,Data!B:B)", 2 * 1_048_576),
        ("=MATCH(1,(Data!A:A=1)*(Data!B:B=2),0)", 2 * 1_048_576),
        ("=Data!A:A*2", 1_048_576),
        ("=SUM(Data!A:A*2)", 1_048_576),
        ("=XIRR(Data!A:A,Data!B:B)", 2 * 1_048_576),
    ],
)
def test_a_whole_column_an_array_is_built_from_costs_every_row_of_the_sheet(formula, expected):
    assert cells(formula) == expected


def test_a_column_read_for_its_filled_cells_costs_those_within_its_sheets_used_area():
    used = {"Data": parse_area("A1:C200"), "Model": parse_area("A1:H40")}

    def used_area(sheet):
        return used.get(sheet or "Model")

    assert formula_cost("=SUM(Data!A:A)", used_area=used_area).cells == 200
    assert formula_cost("=SUMIF(Data!C:C,1,Data!D:D)", used_area=used_area).cells == 200
    assert formula_cost("=COUNT(B:B)", used_area=used_area).cells == 40
    assert formula_cost("=SUM(Other!A:A)", used_area=used_area).cells == WRITABLE_ROWS
    assert formula_cost("=SUMPRODUCT(Data!A:A)", used_area=used_area).cells == 1_048_576


def test_inside_a_function_that_evaluates_arrays_a_summed_column_costs_every_row():
    assert cells("=SUMPRODUCT(SUMIF(Data!A:A,B1:B10,Data!C:C))") == 2 * 1_048_576 + 10


def test_whole_rows_cost_their_columns():
    assert cells("=SUM(1:3)") == 3 * WRITABLE_COLUMNS
    assert cells("=SUMPRODUCT(Data!1:1)") == 16_384


def test_a_defined_name_costs_what_it_refers_to():
    cost = formula_cost("=SUMPRODUCT((Pool=0)*1)", lambda name: NAMES.get(name.lower()))
    assert (cost.cells, cost.largest) == (7_020_000, "Pool (Inputs!$A$1:$ZZ$10000)")
    assert cells("=Rate*2") == 1
    assert cells("=SUM(Dates)") == WRITABLE_ROWS
    assert cells("=Unknown*2+TRUE") == 0


def test_offset_costs_its_literal_size_and_a_computed_one_costs_the_writable_area_in_an_array():
    assert cells("=SUM(OFFSET(A1,0,0,100,12))") == 1 + 1_200
    assert cells("=SUM(OFFSET(B5,0,0,1,Years))") == 1  # read as SUM reads: filled cells only
    computed = "=SUMPRODUCT((OFFSET(Inputs!$A$1,0,0,Model!$J$1,Model!$J$2)=0)*1)"
    assert cells(computed) == DYNAMIC_CELLS + 3
    assert cells("=OFFSET(A1,2,0)") == 1


def test_references_inside_text_cost_nothing():
    assert cells('=IF(A1>0,"Inputs!A1:ZZ10000",B2)') == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B3", "B3"),
        ("$B$2:$D$9", "B2:D9"),
        ("'Cap Table'!C1:A5", "A1:C5"),
        ("Inputs!A1:Inputs!B4", "A1:B4"),
    ],
)
def test_a_reference_covers_its_rectangle(text, expected):
    assert reference_area(text) == parse_area(expected)


def test_the_writable_area_is_the_one_the_write_tool_allows():
    assert (WRITABLE_ROWS, WRITABLE_COLUMNS) == (
        spreadsheet_env.MODEL_ROWS,
        spreadsheet_env.MODEL_COLUMNS,
    )


def test_a_ledger_counts_the_cells_of_formulas_that_read_many_cells():
    ledger = FormulaLedger()
    ledger.record("Model", [(parse_area("H1:H10"), 7_020_000), (parse_area("B2:B9"), 12)])
    assert ledger.total == 10 * 7_020_000  # 12 cells each is under TRACKED_COST: not kept
    assert TRACKED_COST > 12


def test_overwriting_costly_cells_with_values_frees_their_share():
    ledger = FormulaLedger()
    ledger.record("Model", [(parse_area("H1:H10"), 5_000)])
    assert ledger.total_after("model", [(parse_area("H1:H4"), 0)]) == 6 * 5_000
    ledger.record("model", [(parse_area("H1:H4"), 0)])
    assert ledger.total == 6 * 5_000


def test_later_entries_of_one_write_win_over_earlier_ones():
    ledger = FormulaLedger()
    writes = [(parse_area("A1:A10"), 2_000), (parse_area("A1:A5"), 0)]
    assert ledger.total_after("Model", writes) == 5 * 2_000


def test_inserted_and_deleted_rows_move_costly_cells_as_they_move_the_cells():
    ledger = FormulaLedger()
    ledger.record("Model", [(parse_area("H1:H10"), 5_000)])
    ledger.insert_rows("Model", 4, 3)  # before row 5: H5:H10 move to H8:H13
    assert ledger.total_after("Model", [(parse_area("H5:H7"), 0)]) == 10 * 5_000
    ledger.delete_rows("Model", 0, 2)  # rows 1-2 go
    assert ledger.total == 8 * 5_000
    assert ledger.total_after("Model", [(parse_area("H1:H2"), 0)]) == 6 * 5_000
