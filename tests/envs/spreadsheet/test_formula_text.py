"""Formula text without an engine: references found, moved and replaced; calls parsed and rewritten."""

import pytest

from skillgym.envs.spreadsheet.formula_text import (
    calls,
    references,
    replace_references,
    rewrite_calls,
    shifted,
)


def test_references_skip_strings_and_function_names_and_keep_quoted_sheets():
    found = references("=LOG10(C2)+'Cap Table'!$B$2:B4&\"A1\"+Inputs!C12")
    assert [(r.sheet, r.text) for r in found] == [
        (None, "C2"),
        ("Cap Table", "$B$2:B4"),
        ("Inputs", "C12"),
    ]


@pytest.mark.parametrize(
    ("formula", "rows", "columns", "expected"),
    [
        ("=B2*(1+Inputs!$B$3)", 0, 3, "=E2*(1+Inputs!$B$3)"),
        (
            "=IF(C$3<$A4,0,$B4*INDEX(Inputs!$B$7:$M$7,C$3-$A4+1))",
            2,
            1,
            "=IF(D$3<$A6,0,$B6*INDEX(Inputs!$B$7:$M$7,D$3-$A6+1))",
        ),
        ("=SUM(C4:C15)", 0, 11, "=SUM(N4:N15)"),
        ('=IF(A2="B2",1,0)', 1, 0, '=IF(A3="B2",1,0)'),
    ],
)
def test_a_formula_moves_as_a_fill_moves_it(formula, rows, columns, expected):
    assert shifted(formula, rows, columns) == expected


def test_a_reference_can_be_replaced_by_what_it_holds():
    replaced = replace_references(
        "=C2*Inputs!$B$4-Inputs!B2", lambda r: "0.25" if r.sheet == "Inputs" else None
    )
    assert replaced == "=C2*0.25-0.25"


def test_calls_nest_and_their_arguments_split_at_top_level_commas_only():
    formula = '=IFERROR(INDEX({1,2;3,4},2,1),SUM(A1,"x,y"))'
    (outer,) = calls(formula)
    assert outer.name == "IFERROR"
    assert [formula[a:b] for a, b in outer.arguments] == [
        "INDEX({1,2;3,4},2,1)",
        'SUM(A1,"x,y")',
    ]
    assert [c.name for c in outer.inner] == ["INDEX", "SUM"]


def test_calls_are_rewritten_innermost_first_and_the_rest_is_kept():
    new, count = rewrite_calls(
        "=1+IFNA(IFERROR(1/0,2),3)*PI()",
        lambda call, args: (
            f"<{call.name}:{'|'.join(args)}>" if call.name.startswith("IF") else None
        ),
    )
    assert (new, count) == ("=1+<IFNA:<IFERROR:1/0|2>|3>*PI()", 2)
