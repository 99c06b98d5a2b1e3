"""Cells as text for the agent: compact grids with A1 addresses, paginated, never cut silently."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from skillgym.envs.spreadsheet.addresses import Area, Cell, areas_outside, column_letters

# LibreOffice's error codes, shown as Excel shows them.
ERROR_NAMES: dict[int, str] = {
    502: "#NUM!",
    503: "#NUM!",
    504: "#VALUE!",
    519: "#VALUE!",
    521: "#NULL!",
    522: "#CIRCULAR!",
    523: "#NUM!",
    524: "#REF!",
    525: "#NAME?",
    532: "#DIV/0!",
    32767: "#N/A",
}
CIRCULAR = 522
MAX_SHOWN_TEXT = 200
EPOCH = datetime.date(1899, 12, 30)  # serial 0, in Excel's and Calc's 1900 date system
# Functions whose result is a day number: a formula that is one call of them shows a date.
DATE_FUNCTIONS = frozenset(
    {"DATE", "DATEVALUE", "EDATE", "EOMONTH", "NOW", "TODAY", "WORKDAY", "WORKDAY.INTL"}
)
CALL = re.compile(r"=\s*(?:_xlfn\.)?([A-Za-z][A-Za-z0-9._]*)\s*\(")
SIGNIFICANT_DIGITS = 10
MAX_DECIMALS = 12


def error_name(code: int) -> str:
    """Excel's name for an engine error code (``#VALUE!`` for the rare ones Excel lacks)."""
    return ERROR_NAMES.get(code, "#VALUE!")


def is_error(value: Any) -> bool:
    """Whether a shown value is an error marker ``["#", code]``."""
    return isinstance(value, list) and len(value) == 2 and value[0] == "#"


def show_value(value: Any) -> str:
    """A shown value as text: numbers to 12 significant digits, errors by name."""
    if is_error(value):
        return error_name(int(value[1]))
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.12g}"
    if value is None:
        return ""
    return shorten(str(value))


def shorten(text: str) -> str:
    """Text as shown in a grid: past ``MAX_SHOWN_TEXT`` characters, its start and its length."""
    if len(text) > MAX_SHOWN_TEXT:
        return f"{text[:MAX_SHOWN_TEXT]}... ({len(text):,} characters; the cell holds them all)"
    return text


def readable_number(value: float, tolerance: float = 0.0) -> str:
    """A number as a person writes it: to ``tolerance``, at most 10 significant digits.

    A value within ``tolerance`` of zero is 0, and no number is in exponent form, so
    float noise (``-5.68e-14``) never shows. The digits kept resolve ``tolerance``:
    two numbers further apart than it never print the same.

    Example:
        >>> readable_number(-5.684341886080802e-14, 1e-6), readable_number(215.2379880123, 2e-4)
        ('0', '215.238')
    """
    if not math.isfinite(value):
        return str(value)
    if abs(value) <= tolerance or value == 0:
        return "0"
    decimals = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value)))
    if tolerance > 0:
        decimals = min(decimals, math.ceil(-math.log10(tolerance)))
    text = f"{value:.{min(max(decimals, 0), MAX_DECIMALS)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def iso_date(serial: float) -> str:
    """A day number as ``yyyy-mm-dd`` (the time of day dropped), as ``calc_macro`` shows it.

    Example:
        >>> iso_date(45688.75)
        '2025-01-31'
    """
    if not -693_593 <= serial <= 2_958_465:  # outside years 1-9999
        return "not a date"
    return (EPOCH + datetime.timedelta(days=math.floor(serial))).isoformat()


def outermost_function(formula: str) -> str | None:
    """The function a formula is one call of (``=EOMONTH(B2,1)`` -> ``EOMONTH``), else None.

    Text in double quotes and sheet names in single quotes are skipped, so a
    parenthesis inside them does not end the call.

    Example:
        >>> outermost_function("=EDATE('Q1 (draft)'!B2,1)"), outermost_function("=EDATE(B2,1)+1")
        ('EDATE', None)
    """
    match = CALL.match(formula)
    if not match:
        return None
    depth, quote = 0, ""
    for index in range(match.end() - 1, len(formula)):
        char = formula[index]
        if quote:
            quote = "" if char == quote else quote  # a doubled quote closes and reopens
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return None if formula[index + 1 :].strip() else match.group(1).upper()
    return None


def formula_date(content: str, value: Any) -> str | None:
    """The date a formula shows when it is one call of a date function and its value a number."""
    if not content.startswith("=") or isinstance(value, bool) or not isinstance(value, float):
        return None
    return iso_date(value) if outermost_function(content) in DATE_FUNCTIONS else None


def show_cell(address: str, content: str, value: Any, shown_date: str | None = None) -> str:
    """``B3=1200`` for a constant; ``C3: =B3*1.05 -> 1260`` for a formula.

    A number in a date format also shows its date, ``B6=45688 (2025-01-31)``, and so
    does a formula that is one call of a date function (``DATE``, ``EDATE``,
    ``EOMONTH``...) whatever its cell's format: ``B7: =EOMONTH(B6,1) -> 45716 (2025-02-28)``.
    """
    shown_date = shown_date or formula_date(content, value)
    when = f" ({shown_date})" if shown_date else ""
    if content.startswith("="):
        return f"{address}: {content} -> {show_value(value)}{when}"
    return f"{address}={shorten(content)}{when}"


def render_read(sheet: str, reply: dict[str, Any], budget: int, *, used: Area) -> tuple[str, int]:
    """The non-empty cells of a ``read`` reply, one row per line, within ``budget`` characters.

    Returns the text and how many rows it shows. Whenever the text shows less than
    the sheet's ``used`` area (the view is part of the sheet, or rows or columns did not
    fit), its last line says what it shows and the ranges to read for the rest, next
    first: nothing is cut silently.
    """
    first_row, first_column = reply["first_row"], reply["first_column"]
    rows = reply["cells"]
    last_column = first_column + (len(rows[0]) if rows else 1) - 1
    area = Area(first_row, first_column, first_row + len(rows) - 1, last_column)
    lines: list[str] = []
    spent = 0
    shown = 0
    for r, row in enumerate(rows):
        parts = [
            show_cell(Cell(first_row + r, first_column + c).a1, *item)
            for c, item in enumerate(row)
            if item is not None
        ]
        line = f"{first_row + r + 1}| " + " | ".join(parts) if parts else ""
        if spent + len(line) + 1 > budget and shown:
            break
        if spent + len(line) + 1 > budget:  # the first row alone is too wide: split it
            text, through = _render_wide_row(sheet, area, row, budget)
            rest = _rest_line(sheet, Area(first_row, first_column, first_row, through), used)
            return "\n".join([text, rest] if rest else [text]), 0
        if line:
            lines.append(line)
            spent += len(line) + 1
        shown += 1
    header = f"{sheet}!{area.a1}"
    if not lines:
        header += " is empty."
    rest = _rest_line(
        sheet, Area(first_row, first_column, first_row + shown - 1, last_column), used
    )
    return "\n".join([header, *lines, *([rest] if rest else [])]), shown


def _rest_line(sheet: str, shown: Area, used: Area) -> str | None:
    """``[showing A1:G13 of A1:G61; read_range Schedule!A14:G61 for the rest]``, or None."""
    rest = areas_outside(used, shown)
    if not rest:
        return None
    ranges = " then ".join(f"{sheet}!{part.a1}" for part in rest)
    return f"[showing {shown.a1} of {used.a1}; read_range {ranges} for the rest]"


def _render_wide_row(sheet: str, area: Area, row: list[Any], budget: int) -> tuple[str, int]:
    """The first row of ``area`` up to the column that fills ``budget``; and that column."""
    line = f"{area.first_row + 1}|"
    next_column = area.first_column
    for c, item in enumerate(row):
        column = area.first_column + c
        if item is not None:
            part = " " + show_cell(Cell(area.first_row, column).a1, *item)
            if len(line) + len(part) + 2 > budget and column > area.first_column:
                break
            line += part if line.endswith("|") else " |" + part
        next_column = column + 1
    return f"{sheet}!{area.a1}\n{line}", next_column - 1


def render_changes(changed: list[list[Any]], budget: int) -> str:
    """The cells whose shown values a write changed (its own and its dependents)."""
    if not changed:
        return "No shown value changed."
    lines: list[str] = []
    used = 0
    circular = [c for c in changed if is_error(c[3]) and int(c[3][1]) == CIRCULAR]
    for index, (sheet, row, column, value) in enumerate(changed):
        line = f"{sheet}!{column_letters(column)}{row + 1} -> {show_value(value)}"
        if used + len(line) + 1 > budget:
            lines.append(f"... and {len(changed) - index} more changed cells (read them to see).")
            break
        lines.append(line)
        used += len(line) + 1
    text = "Recalculated values that changed:\n" + "\n".join(lines)
    if circular:
        where = ", ".join(f"{s}!{column_letters(c)}{r + 1}" for s, r, c, _ in circular[:5])
        text += f"\nWarning: circular reference in {where}: a formula depends on its own result."
    return text
