"""A calculator for agent-written expressions: parsed to an AST and walked, never eval'd.

Exact decimal arithmetic (money does not drift), ``+ - * / // % **``, parentheses,
and the functions ``round(x, places)`` (half-up, as money is rounded), ``min``,
``max``, ``abs``, ``sqrt``. Anything else is refused with a message saying what is
allowed.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, DecimalException, localcontext

MAX_EXPRESSION_CHARS = 2_000
MAX_MAGNITUDE = Decimal(10) ** 40
MAX_EXPONENT = 1_000


class CalculatorError(ValueError):
    """An expression the calculator will not or cannot evaluate."""


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round to ``places`` decimals, halves away from zero (as money is rounded)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _power(base: Decimal, exponent: Decimal) -> Decimal:
    if exponent != exponent.to_integral_value() or abs(exponent) > MAX_EXPONENT:
        raise CalculatorError(
            f"Expects a whole exponent of at most {MAX_EXPONENT}, actual value: {exponent}"
        )
    return base ** int(exponent)


def _round(value: Decimal, places: Decimal = Decimal(0)) -> Decimal:
    if places != places.to_integral_value() or not 0 <= places <= 12:
        raise CalculatorError(
            f"Expects round(x, places) with whole places from 0 to 12, actual places: {places}"
        )
    return round_half_up(value, int(places))


def _sqrt(value: Decimal) -> Decimal:
    if value < 0:
        raise CalculatorError(f"Expects sqrt of a non-negative number, actual value: {value}")
    return value.sqrt()


_BINARY: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
}
_FUNCTIONS: dict[str, Callable[..., Decimal]] = {
    "round": _round,
    "min": min,
    "max": max,
    "abs": abs,
    "sqrt": _sqrt,
}


def evaluate(expression: str) -> Decimal:
    """Evaluate an arithmetic expression exactly.

    Example:
        >>> evaluate("round(3 * 2.45 * (1 - 0.10), 2)")
        Decimal('6.62')

    Raises:
        CalculatorError: For anything that is not plain arithmetic, or a result out of range.
    """
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(
            f"Expects at most {MAX_EXPRESSION_CHARS} characters, actual length: {len(expression)}"
        )
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculatorError(f"Not an arithmetic expression ({exc.msg}): {expression!r}") from None
    with localcontext() as ctx:
        ctx.prec = 34
        try:
            result = _walk(tree.body)
        except (DecimalException, ZeroDivisionError) as exc:
            raise CalculatorError(f"Cannot compute {expression!r}: {type(exc).__name__}") from None
        except RecursionError:
            raise CalculatorError("The expression is nested too deeply to evaluate.") from None
    if abs(result) >= MAX_MAGNITUDE:
        raise CalculatorError(
            f"The result is out of range (magnitude must stay below 1e40): {expression!r}"
        )
    return result


def _walk(node: ast.expr) -> Decimal:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Decimal(str(node.value))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_walk(node.left), _walk(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _walk(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
    ):
        if node.keywords or not node.args:
            raise CalculatorError(f"Expects {node.func.id}(...) with positional arguments only.")
        return _FUNCTIONS[node.func.id](*(_walk(arg) for arg in node.args))
    allowed = "numbers, + - * / // % **, parentheses and " + ", ".join(_FUNCTIONS)
    raise CalculatorError(f"Expects only {allowed}; actual: {ast.unparse(node)!r}")


def format_number(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros (``12.50`` -> ``12.5``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
