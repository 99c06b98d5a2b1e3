import re
from decimal import Decimal

import pytest

from skillgym.envs.arithmetic.calculator import (
    CalculatorError,
    evaluate,
    format_number,
    round_half_up,
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("0.1 + 0.2", "0.3"),
        ("7 // 2 + 7 % 2", "4"),
        ("-(2 ** 10)", "-1024"),
        ("round(2.675, 2)", "2.68"),
        ("round(-2.5)", "-3"),
        ("min(3, 1, 2) + max(4, 5) + abs(-1)", "7"),
        ("sqrt(16)", "4"),
    ],
)
def test_evaluates_exact_decimal_arithmetic(expression, expected):
    assert evaluate(expression) == Decimal(expected)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "(1).__class__",
        "[1, 2]",
        "x + 1",
        "lambda: 1",
        "'a' * 3",
        "round(1, places=2)",
    ],
)
def test_refuses_anything_but_arithmetic(expression):
    with pytest.raises(CalculatorError, match="Expects"):
        evaluate(expression)


def test_refuses_huge_exponents_before_computing_them():
    with pytest.raises(
        CalculatorError,
        match=re.escape("Expects a whole exponent of at most 1000, actual value: 100000"),
    ):
        evaluate("9 ** 100000")


def test_refuses_results_out_of_range():
    with pytest.raises(CalculatorError, match="out of range"):
        evaluate("10 ** 999")


def test_division_by_zero_is_a_calculator_error():
    with pytest.raises(CalculatorError, match=re.escape("Cannot compute '1 / 0'")):
        evaluate("1 / 0")


def test_syntax_errors_are_calculator_errors():
    with pytest.raises(CalculatorError, match="Not an arithmetic expression"):
        evaluate("1 +")


def test_round_half_up_rounds_halves_away_from_zero():
    assert round_half_up(Decimal("0.125"), 2) == Decimal("0.13")
    assert round_half_up(Decimal("-0.125"), 2) == Decimal("-0.13")


def test_format_number_drops_exponents_and_trailing_zeros():
    assert format_number(Decimal("1.2300")) == "1.23"
    assert format_number(Decimal("1E+3")) == "1000"
    assert format_number(Decimal("-0")) == "0"


@pytest.mark.parametrize("expression", ["-" * 1_990 + "1", "(" * 500 + "1" + ")" * 500])
def test_deeply_nested_expressions_are_refused_not_a_crash(expression):
    with pytest.raises(CalculatorError, match="nested"):
        evaluate(expression)
