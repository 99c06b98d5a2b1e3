"""Errors a formula hides: verifier 2's check that sees through IFERROR and its kin.

``=IFERROR(1/(Wacc-Wacc),0)`` shows 0, so a check of error values finds nothing,
though the model divides by zero. Every formula on the checked sheets that calls a
function which turns an error into a value (IFERROR, IFNA, the IS... tests, COUNT and
COUNTA, XLOOKUP's if-not-found) is rewritten so the call shows #N/A when what it
guards is an error and its own value otherwise:

    IFERROR(a, b)  ->  IF(SUMPRODUCT(ISERROR(a)*1)>0, NA(), IFERROR(a, b))

innermost calls first. All of them are written at once and recalculated, the cells
that now show an error are the ones that hide one, and every original formula is
written back. A cell that hides nothing keeps its value, so the cells computed from
it see what they always saw: the first hidden error in the model's order always shows.
The instruction's own IFERROR (a variance % over a zero budget) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from skillgym.envs.core.verification import Check
from skillgym.envs.spreadsheet.addresses import Area, Cell
from skillgym.envs.spreadsheet.engine import Workbook, WorkLimitExceeded
from skillgym.envs.spreadsheet.formula_text import Call, rewrite_calls
from skillgym.envs.spreadsheet.grid import is_error

FIRST_ARGUMENT = frozenset(
    {"IFERROR", "IFNA", "ISERROR", "ISERR", "ISNA", "ISNUMBER", "ISTEXT", "ISNONTEXT"}
    | {"ISLOGICAL", "ISBLANK", "ERROR.TYPE"}
)
EVERY_ARGUMENT = frozenset({"COUNT", "COUNTA"})
SWALLOWING = re.compile(
    r"(?:IFERROR|IFNA|IS(?:ERROR|ERR|NA|NUMBER|TEXT|NONTEXT|LOGICAL|BLANK)|ERROR\.TYPE|COUNTA?|"
    r"XLOOKUP)\s*\(",
    re.IGNORECASE,
)
MAX_CELLS = 250_000  # cells of a sheet's used area read, at most
READ_CELLS = 20_000  # cells per read
MAX_LISTED = 5
NAME = "no errors hidden by IFERROR, IFNA, ISERROR and the like"
EXPECTED = (
    "no formula on {sheets} that turns an error into a value (IFERROR, IFNA, the IS... "
    "tests, COUNT, XLOOKUP's if-not-found) around an expression that is an error"
)


def guarded(call: Call, arguments: list[str]) -> list[str]:
    """The expressions a call turns from errors into values."""
    if call.name in FIRST_ARGUMENT:
        return arguments[:1]
    if call.name in EVERY_ARGUMENT:
        return arguments
    if call.name == "XLOOKUP" and len(arguments) >= 4 and arguments[3].strip():
        return [f"XLOOKUP({','.join(arguments[:3])})"]
    return []


def unmasked(formula: str) -> tuple[str, int]:
    """The formula with each error-swallowing call showing #N/A when what it guards is an error.

    Example:
        >>> unmasked("=IFERROR(1/A1,0)")
        ('=IF(SUMPRODUCT(ISERROR(1/A1)*1)>0,NA(),IFERROR(1/A1,0))', 1)
    """

    def rewrite(call: Call, arguments: list[str]) -> str | None:
        guards = [g for g in guarded(call, arguments) if g.strip()]
        if not guards:
            return None
        errors = "+".join(f"SUMPRODUCT(ISERROR({g})*1)" for g in guards)
        original = f"{call.name}({','.join(arguments)})"
        return f"IF({errors}>0,NA(),{original})"

    return rewrite_calls(formula, rewrite)


def hidden_errors(
    workbook: Workbook, sheets: list[str], allowed: Collection[tuple[str, int, int]] = ()
) -> Check:
    """Whether any formula on ``sheets`` hides an error.

    ``allowed``: the (sheet, row, column) cells where the instruction asks for IFERROR.
    """
    plans: dict[str, list[tuple[Cell, str, str]]] = {}  # sheet -> (cell, formula, unmasked)
    uninspected: list[str] = []
    present = {s["name"]: s for s in workbook.call("sheets")}
    for sheet in sheets:
        if sheet not in present:
            continue
        used = Area(0, 0, present[sheet]["last_row"], present[sheet]["last_column"])
        if used.size > MAX_CELLS:
            uninspected.append(
                f"{sheet}, whose used area A1:{Cell(used.last_row, used.last_column).a1} holds "
                f"over {MAX_CELLS:,} cells"
            )
            continue
        for row, column, formula in _formulas(workbook, sheet, used):
            if (sheet, row, column) in allowed or not SWALLOWING.search(formula):
                continue
            new, count = unmasked(formula)
            if count:
                plans.setdefault(sheet, []).append((Cell(row, column), formula, new))
    found: list[tuple[str, str, str]] = []
    try:
        found = _hiding(workbook, plans) if plans else []
    except WorkLimitExceeded:
        uninspected.append("the formulas unmasked, which took longer than one call may")
    listed = [f"{sheet}!{cell} {formula}" for sheet, cell, formula in found[:MAX_LISTED]]
    more = f" and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    parts = [f"could not inspect {'; '.join(uninspected)}"] if uninspected else []
    if found:
        parts.append(f"what these guard is an error: {'; '.join(listed)}{more}")
    actual = "; ".join(parts) or "none found"
    return Check(
        name=NAME,
        passed=not found and not uninspected,
        expected=EXPECTED.format(sheets=", ".join(sheets)),
        actual=actual,
        essential=True,
    )


def _formulas(workbook: Workbook, sheet: str, used: Area) -> list[tuple[int, int, str]]:
    """``(row, column, formula)`` of every formula cell in ``used``, read in parts."""
    step = max(1, READ_CELLS // used.columns)
    found = []
    for first in range(0, used.last_row + 1, step):
        part = Area(first, 0, min(first + step - 1, used.last_row), used.last_column)
        read = workbook.call("read", sheet=sheet, area=part.a1)
        for r, row in enumerate(read["cells"]):
            for c, item in enumerate(row):
                if item is not None and isinstance(item[0], str) and item[0].startswith("="):
                    found.append((read["first_row"] + r, read["first_column"] + c, item[0]))
    return found


def _hiding(
    workbook: Workbook, plans: dict[str, list[tuple[Cell, str, str]]]
) -> list[tuple[str, str, str]]:
    """Write the unmasked formulas, see which show an error, write the originals back."""
    shown: dict[tuple[str, int, int], Any] = {}
    try:
        for sheet, plan in plans.items():
            cells = [[cell.a1, new] for cell, _, new in plan]
            for name, row, column, value in workbook.call("write", sheet=sheet, cells=cells)[
                "changed"
            ]:
                shown[name, row, column] = value
    finally:
        for sheet, plan in plans.items():
            workbook.call("write", sheet=sheet, cells=[[cell.a1, old] for cell, old, _ in plan])
    return [
        (sheet, cell.a1, old)
        for sheet, plan in plans.items()
        for cell, old, _ in plan
        if is_error(shown.get((sheet, cell.row, cell.column)))
    ]
