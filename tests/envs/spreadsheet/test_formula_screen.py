"""The formula screen: what a financial model needs passes; what reaches outside the workbook does not."""

import pytest

from skillgym.envs.spreadsheet.formula_screen import (
    MAX_FORMULA_CHARS,
    FormulaError,
    screen_formula,
)

SHEETS = ["Inputs", "Model", "Cap Table"]


def refusal(formula: str) -> str:
    with pytest.raises(FormulaError) as caught:
        screen_formula(formula, SHEETS)
    return str(caught.value)


@pytest.mark.parametrize(
    "formula",
    [
        "=XNPV(Inputs!B9,C10:G10,C1:G1)",
        "=XIRR(B17:G17,B1:G1,0.1)",
        "=IPMT(Inputs!$B$3/12,1,360,-Inputs!$B$2)",
        "=PPMT(Inputs!$B$3/12,1,360,-Inputs!$B$2)",
        "=XLOOKUP(A2,Inputs!A:A,Inputs!B:B,0)",
        "=EOMONTH(DATE(2026,1,31),1)",
        "=YEARFRAC(DATE(2026,1,1),DATE(2026,7,1),1)",
        '=INDEX(Inputs!B2:B11,MATCH("WACC",Inputs!A2:A11,0))',
        "=SUMPRODUCT(C10:G10,C11:G11)+G15",
        "=IFERROR(IFERROR(1/C5,NPV(0.1,C10:G10)),0)",
        "=sum('Cap Table'!$B$2:$B$9)",
        "=Wacc*(1+TerminalGrowth)",
        "=FY2026*2",
    ],
)
def test_formulas_a_financial_model_uses_pass(formula):
    screen_formula(formula, SHEETS)


@pytest.mark.parametrize("function", ["WEBSERVICE", "INDIRECT", "INFO", "CELL", "FROBNICATE"])
def test_functions_outside_the_allowed_set_are_refused_by_name(function):
    message = refusal(f'=1+{function}("x")')
    assert f"Unknown or unsupported function {function}()" in message
    assert "financial functions" in message


def test_a_refused_function_is_found_inside_nested_calls():
    assert "INDIRECT()" in refusal('=IFERROR(SUM(INDIRECT("A1:A3")),0)')


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("file:///etc/passwd")',
        '="file:///etc/passwd"',
        "='FILE:///etc/passwd'#$Sheet1.A1",
    ],
)
def test_file_urls_are_refused_anywhere_in_a_formula(formula):
    assert "refers outside this workbook" in refusal(formula)


@pytest.mark.parametrize(
    "formula", ["=[1]Sheet1!A1", "='C:\\data\\[book.xlsx]Sheet1'!A1", "=SUM([Book2.xlsx]Model!B2)"]
)
def test_external_workbook_references_are_refused(formula):
    assert "only its own sheets can be referenced" in refusal(formula)


@pytest.mark.parametrize("formula", ["=SUM(A1,(B2)", "=SUM(A1))", "=)A1("])
def test_a_formula_with_unbalanced_parentheses_is_refused(formula):
    assert "unbalanced parentheses" in refusal(formula)


def test_a_formula_with_an_unclosed_string_is_refused():
    assert "unclosed string" in refusal('=IF(A1>0,"ok,"")')


def test_a_reference_to_an_unknown_sheet_is_refused_listing_the_sheets():
    message = refusal("=Forecast!B2*2")
    assert "sheet 'Forecast', which does not exist" in message
    assert "sheets: Cap Table, Inputs, Model." in message


def test_a_quoted_reference_to_an_unknown_sheet_is_refused_too():
    assert 'sheet "Bob\'s Sheet", which does not exist' in refusal("='Bob''s Sheet'!A1")


@pytest.mark.parametrize("formula", ["=XFE1*2", "=SUM(A1:A1048577)", "=Model!A0"])
def test_a_reference_outside_the_grid_is_refused(formula):
    assert "is outside the sheet (rows 1-1,048,576, columns A-XFD)" in refusal(formula)


def test_a_formula_over_excels_length_limit_is_refused_with_its_length():
    formula = "=" + "+".join(["1"] * 4200)
    assert len(formula) > MAX_FORMULA_CHARS
    assert f"actual length: {len(formula):,}" in refusal(formula)


def test_a_formula_at_excels_length_limit_passes():
    formula = "=" + "1+" * ((MAX_FORMULA_CHARS - 2) // 2) + "1"
    assert len(formula) == MAX_FORMULA_CHARS
    screen_formula(formula, SHEETS)


@pytest.mark.parametrize(
    "formula",
    [
        '=IF(A1>0,"ok (WEBSERVICE)","")',
        '=IF(A1>0,"((","))")',
        '="INDIRECT(""A1"") [1]Sheet1!A1 Nowhere!B2 XFE1"',
        '=A1&"INFO()"',
    ],
)
def test_strings_are_not_mistaken_for_formula_text(formula):
    screen_formula(formula, SHEETS)


def test_a_sheet_reference_in_another_case_passes_as_in_excel():
    screen_formula("=inputs!B2*2", SHEETS)


@pytest.mark.parametrize("formula", ["=WEBSERVICE(A1)", "=SUM(A1", "=XFE1", "=[1]S!A1"])
def test_a_refusal_quotes_the_formula_it_refused(formula):
    assert repr(formula) in refusal(formula)
