"""Cells as text for the agent: compact grids with A1 addresses, paginated, never cut silently."""

from __future__ import annotations

from typing import Any

from skillgym.envs.spreadsheet.addresses import Area, Cell, column_letters

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


def show_cell(address: str, content: str, value: Any, shown_date: str | None = None) -> str:
    """``B3=1200`` for a constant; ``C3: =B3*1.05 -> 1260`` for a formula.

    A number in a date format also shows its date: ``B6=45688 (2025-01-31)``.
    """
    when = f" ({shown_date})" if shown_date else ""
    if content.startswith("="):
        return f"{address}: {content} -> {show_value(value)}{when}"
    return f"{address}={shorten(content)}{when}"


def render_read(sheet: str, reply: dict[str, Any], budget: int) -> tuple[str, int]:
    """The non-empty cells of a ``read`` reply, one row per line, within ``budget`` characters.

    Returns the text and how many rows it shows; when rows are left out the text ends
    with the exact range to read next, so nothing is cut silently.
    """
    first_row, first_column = reply["first_row"], reply["first_column"]
    rows = reply["cells"]
    last_column = first_column + (len(rows[0]) if rows else 1) - 1
    area = Area(first_row, first_column, first_row + len(rows) - 1, last_column)
    lines: list[str] = []
    used = 0
    shown = 0
    for r, row in enumerate(rows):
        parts = [
            show_cell(Cell(first_row + r, first_column + c).a1, *item)
            for c, item in enumerate(row)
            if item is not None
        ]
        line = f"{first_row + r + 1}| " + " | ".join(parts) if parts else ""
        if used + len(line) + 1 > budget and shown:
            break
        if used + len(line) + 1 > budget:  # the first row alone is too wide: split it
            return _render_wide_row(sheet, area, row, budget), 0
        if line:
            lines.append(line)
            used += len(line) + 1
        shown += 1
    header = f"{sheet}!{area.a1}"
    if not lines:
        header += " is empty."
    if shown < len(rows):
        rest = Area(first_row + shown, first_column, area.last_row, last_column)
        lines.append(
            f"(rows {first_row + 1}-{first_row + shown} of {first_row + 1}-{area.last_row + 1} "
            f"shown; read {sheet}!{rest.a1} for the rest)"
        )
    return "\n".join([header, *lines]), shown


def _render_wide_row(sheet: str, area: Area, row: list[Any], budget: int) -> str:
    """The first row of ``area`` up to the column that fills ``budget``, and where the rest is."""
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
    rest = []
    if next_column <= area.last_column:
        rest.append(Area(area.first_row, next_column, area.first_row, area.last_column).a1)
    if area.rows > 1:
        below = Area(area.first_row + 1, area.first_column, area.last_row, area.last_column)
        rest.append(below.a1)
    shown_to = column_letters(next_column - 1)
    if not rest:
        return f"{sheet}!{area.a1}\n{line}"
    return (
        f"{sheet}!{area.a1}\n{line}\n(row {area.first_row + 1} shown to column {shown_to}; "
        f"read {' then '.join(f'{sheet}!{a}' for a in rest)} for the rest)"
    )


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
