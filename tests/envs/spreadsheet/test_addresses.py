"""A1 addresses: parsed strictly, printed back the same, and bounded by the sheet."""

import pytest

from skillgym.envs.spreadsheet.addresses import (
    AddressError,
    Area,
    Cell,
    areas_outside,
    bounding_area,
    check_sheet_name,
    column_index,
    column_letters,
    parse_area,
    parse_cell,
    quote_sheet,
    split_sheet,
)

LIMITS = "rows 1-1,048,576, columns A-XFD"


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (16383, "XFD")]
)
def test_column_letters_and_indexes_round_trip(index, letters):
    assert column_letters(index) == letters
    assert column_index(letters) == index
    assert column_index(letters.lower()) == index


def test_a_cell_is_parsed_zero_based_with_or_without_dollar_signs():
    assert parse_cell("B3") == Cell(row=2, column=1)
    assert parse_cell("$B$3") == parse_cell("b3") == parse_cell(" B$3 ") == Cell(2, 1)
    assert parse_cell("XFD1048576") == Cell(1_048_575, 16_383)


@pytest.mark.parametrize("text", ["XFE1", "A1048577", "A0"])
def test_a_cell_outside_the_sheet_is_an_error_naming_the_limits(text):
    with pytest.raises(AddressError, match=LIMITS) as caught:
        parse_cell(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["", "B", "3", "B3C", "AAAA1", "A1:B2", "Sheet!A1", "R1C1"])
def test_anything_but_a_cell_is_refused_with_an_example(text):
    with pytest.raises(AddressError, match="Expects a cell like 'B3'"):
        parse_cell(text)


def test_an_area_is_normalised_whatever_order_its_corners_come_in():
    expected = Area(first_row=0, first_column=0, last_row=39, last_column=7)
    assert parse_area("A1:H40") == parse_area("H40:A1") == parse_area("$A$40:H$1") == expected
    assert parse_area("H1:A40") == expected
    assert (expected.rows, expected.columns, expected.size) == (40, 8, 320)


def test_a_single_cell_is_an_area_of_one():
    area = parse_area("$C$5")
    assert area == Area(4, 2, 4, 2)
    assert area.size == 1 and area.cells() == [Cell(4, 2)]


def test_an_area_with_a_corner_outside_the_sheet_is_an_error():
    with pytest.raises(AddressError, match=LIMITS):
        parse_area("A1:XFE2")


def test_area_cells_run_row_by_row():
    assert [c.a1 for c in parse_area("B2:C3").cells()] == ["B2", "C2", "B3", "C3"]


def test_an_area_prints_in_a1_and_absolute_notation():
    assert Area(2, 1, 2, 1).a1 == "B3"
    assert Area(2, 1, 2, 1).absolute == "$B$3"
    assert Area(0, 0, 39, 7).a1 == "A1:H40"
    assert Area(0, 0, 39, 7).absolute == "$A$1:$H$40"
    assert parse_area("$AA$10:AB11").a1 == "AA10:AB11"


@pytest.mark.parametrize(
    ("text", "sheet", "rest"),
    [
        ("Model!C5:G5", "Model", "C5:G5"),
        ("B3", None, "B3"),
        ("'Cap Table'!$B$2", "Cap Table", "$B$2"),
        ("'It''s Q1'!A1:B2", "It's Q1", "A1:B2"),
        ("'a''!b'!A1", "a'!b", "A1"),
        ("'Model'!A1", "Model", "A1"),
    ],
)
def test_split_sheet_separates_the_sheet_from_the_range(text, sheet, rest):
    assert split_sheet(text) == (sheet, rest)


def test_an_unclosed_quoted_sheet_name_is_an_error():
    with pytest.raises(AddressError, match="Expects 'Sheet name'!A1"):
        split_sheet("'Cap Table!A1")


@pytest.mark.parametrize("name", ["Model", "Cap Table", "It's Q1", "2024"])
def test_quote_sheet_gives_back_what_split_sheet_reads(name):
    assert split_sheet(f"{quote_sheet(name)}!A1") == (name, "A1")


def test_only_names_that_need_it_are_quoted():
    assert quote_sheet("Model") == "Model"
    assert quote_sheet("Cap Table") == "'Cap Table'"
    assert quote_sheet("It's") == "'It''s'"


@pytest.mark.parametrize("name", ["Model", "Cap Table", "Q1-2026 (draft)", "x" * 31])
def test_a_valid_sheet_name_is_returned_as_is(name):
    assert check_sheet_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "x" * 32, "a/b", "a\\b", "a:b", "a*b", "a?b", "[a]", "It's", " Model", "Model "]
)
def test_an_invalid_sheet_name_is_refused_saying_what_is_allowed(name):
    with pytest.raises(AddressError, match="Expects a sheet name of 1-31 characters"):
        check_sheet_name(name)


def test_the_bounding_area_of_several_areas_spans_them_all():
    areas = [parse_area("C2:D3"), parse_area("B7"), parse_area("F1:F2")]
    assert bounding_area(areas) == parse_area("B1:F7")
    assert bounding_area([parse_area("B3")]) == parse_area("B3")


def test_the_areas_outside_a_part_cover_the_rest_of_the_whole_next_parts_first():
    whole = parse_area("A1:G18")
    outside = areas_outside(whole, parse_area("C5:D6"))
    assert [a.a1 for a in outside] == ["E5:G6", "A7:G18", "A1:G4", "A5:B6"]
    assert sum(a.size for a in outside) == whole.size - 4


def test_the_areas_outside_a_part_sticking_out_of_the_whole_are_clipped_to_the_whole():
    whole = parse_area("A1:G61")
    assert [a.a1 for a in areas_outside(whole, parse_area("A1:H13"))] == ["A14:G61"]
    assert areas_outside(whole, parse_area("A1:Z100")) == []
    assert areas_outside(whole, parse_area("J1:K2")) == [whole]
