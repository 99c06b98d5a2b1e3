"""How many cells a formula reads when it is calculated, and what a workbook's formulas read in all.

A spreadsheet's work is its formulas' reading of cells, and one formula can make the
engine read millions: ``=SUMPRODUCT((Inputs!$A$1:$ZZ$10000=0)*1)`` builds an array of
7,020,000 comparisons every time it is calculated (0.15 s in LibreOffice on a quiet
machine, 1 s on a busy one; 100 such cells hold the engine for 15 s to minutes). So before a write reaches the engine, each
formula's cost is estimated from its text, and a workbook's formulas may read at most
a budget of cells in all (:class:`FormulaLedger`). The estimate is what LibreOffice
does, measured:

- A range an array is built from (an operand, ``A1:A9*2``; an argument of SUMPRODUCT,
  TRANSPOSE, TEXTJOIN, XNPV...) costs every cell it spans: a whole column is 1,048,576
  rows, a whole row 16,384 columns.
- A range given as it is to a function that reads only the cells holding something
  (SUM, SUMIF, COUNTIFS, VLOOKUP, MATCH, INDEX...: :data:`READS_FILLED_CELLS`) costs
  its cells within its sheet's used area (without one known, within A1:ZZ10000, where
  SkillGym's tools write): ``SUM(Data!A:A)`` over 200 rows of data is 200, not
  1,048,576, as LibreOffice never visits the empty rest. Inside a function that
  evaluates its arguments as arrays (:data:`ARRAY_EVALUATING`) that no longer holds,
  and the range costs all its cells.
- A defined name costs what it refers to; ``OFFSET`` with a literal height and width
  costs that many cells, and with a computed one, where an array is built from it, all
  of A1:ZZ10000 (7,020,000 cells: its size is not known before it runs).

Other ranges built at run time (``A1:INDEX(...)``, ``OFFSET`` with computed sizes given
to SUM), names redefined and used areas grown after the formula was written are not
seen here: the engine's time limits (``work_limits.py``) bound those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from skillgym.envs.spreadsheet.addresses import MAX_COLUMNS, MAX_ROWS, Area, column_index

Resolve = Callable[[str], str | None]
"""What a defined name refers to (``"=Inputs!$B$2"``), or None."""
UsedArea = Callable[[str | None], Area | None]
"""A sheet's used area (None: the formula's own sheet), or None when not known."""

WRITABLE_ROWS = 10_000  # SkillGym's tools write within A1:ZZ10000 (env.MODEL_ROWS, MODEL_COLUMNS)
WRITABLE_COLUMNS = 702
DYNAMIC_CELLS = WRITABLE_ROWS * WRITABLE_COLUMNS
"""What a range of a size computed at run time may cover (OFFSET's height and width)."""
TRACKED_COST = 1_000
"""A ledger keeps the cells whose formula reads at least this many cells (cheaper ones
cost nothing worth budgeting, and the ledger stays small)."""

READS_FILLED_CELLS = frozenset(
    """
    AND AVERAGE AVERAGEA AVERAGEIF AVERAGEIFS COLUMN COLUMNS COUNT COUNTA COUNTBLANK COUNTIF
    COUNTIFS HLOOKUP INDEX IRR LARGE LOOKUP MATCH MAX MAXA MAXIFS MEDIAN MIN MINA MINIFS MIRR
    NETWORKDAYS NPV OR PERCENTILE PERCENTRANK PRODUCT RANK ROW ROWS SMALL STDEV STDEV.P
    STDEV.S STDEVP SUBTOTAL SUM SUMIF SUMIFS SUMSQ VAR VAR.P VAR.S VLOOKUP XLOOKUP XMATCH XOR
    """.split()
)
"""Functions that, given a range as it is, read only its cells that hold something."""
ARRAY_EVALUATING = frozenset(
    "HLOOKUP LOOKUP MATCH SUMPRODUCT TRANSPOSE VLOOKUP XLOOKUP XMATCH".split()
)
"""Functions that evaluate an expression argument as a whole array (``MATCH(1,(A:A=2)*1,0)``)."""

_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!"
_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]+"
_RANGE = (
    rf"(?:{_SHEET})?(?:{_CELL}(?::(?:{_SHEET})?{_CELL})?"
    r"|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?[0-9]+:\$?[0-9]+)"
)
TOKEN = re.compile(
    rf"""
      (?P<string>"(?:[^"]|"")*")
    | (?P<function>[A-Za-z_][A-Za-z0-9_.]*)\s*\(
    | (?P<reference>{_RANGE})(?![A-Za-z0-9_.(!])
    | (?P<name>[A-Za-z_\\][A-Za-z0-9_.]*)(?![A-Za-z0-9_.(!])
    | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<separator>,)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
REFERENCE = re.compile(rf"^={{0,1}}\s*(?P<reference>{_RANGE})\s*$")
SHEET_PREFIX = re.compile(_SHEET)
ENDS = re.compile(
    r"^(?:\$?(?P<c1>[A-Za-z]{1,3})\$?(?P<r1>[0-9]+)(?::\$?(?P<c2>[A-Za-z]{1,3})\$?(?P<r2>[0-9]+))?"
    r"|\$?(?P<col1>[A-Za-z]{1,3}):\$?(?P<col2>[A-Za-z]{1,3})"
    r"|\$?(?P<row1>[0-9]+):\$?(?P<row2>[0-9]+))$"
)


@dataclass(frozen=True)
class FormulaCost:
    """What one cell of a formula reads per calculation, and its costliest reference."""

    cells: int
    largest: str = ""
    largest_cells: int = 0

    @staticmethod
    def of(parts: Iterable[tuple[str, int]]) -> FormulaCost:
        """The cost of references given as ``(text, cells)``."""
        items = list(parts)
        if not items:
            return FormulaCost(0)
        text, cells = max(items, key=lambda item: item[1])
        return FormulaCost(sum(n for _, n in items), text, cells)


@dataclass
class _Argument:
    items: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)


@dataclass
class _Call:
    function: str | None  # None: parentheses that only group
    arguments: list[_Argument] = field(default_factory=lambda: [_Argument()])


def reference_area(text: str) -> Area | None:
    """The rectangle a reference (``Inputs!$B$2:$B$9``, ``A:C``, ``3:5``) covers, 0-based."""
    match = ENDS.match(SHEET_PREFIX.sub("", text))
    if match is None:
        return None
    if match["col1"]:
        first, last = sorted((column_index(match["col1"]), column_index(match["col2"])))
        return Area(0, first, MAX_ROWS - 1, last)
    if match["row1"]:
        first, last = sorted((int(match["row1"]) - 1, int(match["row2"]) - 1))
        return Area(first, 0, last, MAX_COLUMNS - 1)
    c1, r1 = column_index(match["c1"]), int(match["r1"]) - 1
    c2, r2 = (column_index(match["c2"]), int(match["r2"]) - 1) if match["c2"] else (c1, r1)
    return Area(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


WRITABLE = Area(0, 0, WRITABLE_ROWS - 1, WRITABLE_COLUMNS - 1)


def _filled_part(area: Area, used: Area | None) -> int:
    """The cells of ``area`` within ``used`` (unknown: A1:ZZ10000, where the tools write)."""
    bound = used or WRITABLE
    rows = min(area.last_row, bound.last_row) - max(area.first_row, bound.first_row) + 1
    columns = (
        min(area.last_column, bound.last_column) - max(area.first_column, bound.first_column) + 1
    )
    return max(0, rows) * max(0, columns)


def sheet_of(reference: str) -> str | None:
    """The sheet a reference names (``'Cap Table'!B2`` -> ``Cap Table``), or None."""
    match = SHEET_PREFIX.match(reference)
    if match is None:
        return None
    name = match.group()[:-1]
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def formula_cost(
    formula: str, resolve: Resolve | None = None, used_area: UsedArea | None = None
) -> FormulaCost:
    """The cells one cell holding ``formula`` reads per calculation (see the module doc).

    ``resolve`` gives what a defined name refers to; ``used_area`` a sheet's used area.

    Example:
        >>> formula_cost("=SUMPRODUCT((Inputs!$A$1:$ZZ$10000=0)*1)+ROW()").cells
        7020000
        >>> formula_cost("=SUM(Data!A:A)+B2").cells
        10001
    """
    stack = [_Call(None)]
    parts: list[tuple[str, int]] = []
    for match in TOKEN.finditer(formula.lstrip("=")):
        kind, text = match.lastgroup or "other", match.group()
        if kind == "function":
            stack.append(_Call(match.group("function").upper()))
        elif kind == "open":
            stack.append(_Call(None))
        elif kind == "separator" and len(stack) > 1:
            stack[-1].arguments.append(_Argument())
        elif kind == "close" and len(stack) > 1:
            call = stack.pop()
            parts += _settle(call, stack, resolve, used_area)
            stack[-1].arguments[-1].items.append(_as_item(call))
        elif kind != "space":
            stack[-1].arguments[-1].items.append((kind, text))
    while stack:  # the formula's top level (and any call left open)
        call = stack.pop()
        parts += _settle(call, stack, resolve, used_area)
    return FormulaCost.of(parts)


def _settle(
    call: _Call, outer: list[_Call], resolve: Resolve | None, used_area: UsedArea | None
) -> list[tuple[str, int]]:
    """The references of a finished call with their costs (the module doc's rules)."""
    in_array = any(c.function in ARRAY_EVALUATING for c in outer)
    parts = []
    for argument in call.arguments:
        cheap = len(argument.items) == 1 and call.function in READS_FILLED_CELLS and not in_array
        for kind, text in argument.items:
            if kind == "dynamic":  # only where an array is built from it
                if not cheap:
                    parts.append((f"{text} with a computed height or width", DYNAMIC_CELLS))
                continue
            target = text if kind == "reference" else _name_target(kind, text, resolve)
            area = reference_area(target) if target else None
            if area is None:
                continue
            label = text if kind == "reference" else f"{text} ({target})"
            if cheap:
                used = used_area(sheet_of(target)) if used_area else None
                parts.append((f"{label}, its filled part", _filled_part(area, used)))
            else:
                parts.append((label, area.size))
    if call.function == "OFFSET":
        parts += _offset_size(call.arguments)
    return parts


def _as_item(call: _Call) -> tuple[str, str]:
    """A finished call as an item of the argument it stands in."""
    if call.function == "OFFSET" and len(call.arguments) > 3 and not _offset_size(call.arguments):
        return ("dynamic", "OFFSET(...)")
    return ("call", call.function or "")


def _name_target(kind: str, text: str, resolve: Resolve | None) -> str:
    if kind != "name" or resolve is None or text.upper() in ("TRUE", "FALSE"):
        return ""
    refers_to = resolve(text)
    match = REFERENCE.match(refers_to or "")
    return match["reference"] if match else ""


def _offset_size(arguments: list[_Argument]) -> list[tuple[str, int]]:
    """``OFFSET(base, rows, columns, height, width)`` with a literal height and width."""
    sizes = []
    for argument in arguments[3:5]:
        items = argument.items
        if len(items) != 1 or items[0][0] != "number":
            return []
        sizes.append(float(items[0][1]))
    if len(sizes) != 2 or not all(0 < size <= MAX_ROWS for size in sizes):
        return []
    height, width = (int(size) for size in sizes)
    return [(f"OFFSET(..., {height}, {width})", height * width)]


class FormulaLedger:
    """The formula cells of one workbook that read many cells, and what they read in all.

    Tracks cells whose formula reads at least :data:`TRACKED_COST` cells, by sheet and
    position; rows inserted or deleted move them as they move the cells.

    Example:
        >>> ledger = FormulaLedger()
        >>> ledger.total_after("Model", [(Area(0, 0, 9, 0), 5_000)])
        50000
    """

    def __init__(self) -> None:
        self.total = 0
        self._cells: dict[str, dict[tuple[int, int], int]] = {}

    def total_after(self, sheet: str, writes: list[tuple[Area, int]]) -> int:
        """The total once ``writes`` (area, cost of each of its cells; later wins) are made."""
        return self.total + sum(cost - old for cost, old in self._changes(sheet, writes).values())

    def record(self, sheet: str, writes: list[tuple[Area, int]]) -> None:
        """Make ``writes``: each area's cells now cost what it says (0: a value or cleared)."""
        cells = self._cells.setdefault(sheet.lower(), {})
        for position, (cost, old) in self._changes(sheet, writes).items():
            self.total += cost - old
            if cost:
                cells[position] = cost
            else:
                cells.pop(position, None)

    def insert_rows(self, sheet: str, index: int, count: int) -> None:
        """Rows inserted before 0-based ``index``: the cells below move down."""
        self._move(sheet, lambda row: row + count if row >= index else row)

    def delete_rows(self, sheet: str, index: int, count: int) -> None:
        """Rows ``index``... deleted: their cells go, the cells below move up."""
        end = index + count
        self._move(
            sheet, lambda row: None if index <= row < end else (row - count if row >= end else row)
        )

    def _changes(
        self, sheet: str, writes: list[tuple[Area, int]]
    ) -> dict[tuple[int, int], tuple[int, int]]:
        """Position -> (new cost, old cost) of every tracked cell the writes change."""
        cells = self._cells.get(sheet.lower(), {})
        changes: dict[tuple[int, int], tuple[int, int]] = {}
        for area, cost in writes:
            tracked = cost if cost >= TRACKED_COST else 0
            positions: Iterable[tuple[int, int]]
            if not tracked and len(cells) + len(changes) < area.size:
                # only cells tracked, or made costly earlier in this write, can change
                positions = [p for p in {*cells, *changes} if _inside(p, area)]
            else:
                positions = (
                    (r, c)
                    for r in range(area.first_row, area.last_row + 1)
                    for c in range(area.first_column, area.last_column + 1)
                )
            for position in positions:
                old = changes[position][1] if position in changes else cells.get(position, 0)
                changes[position] = (tracked, old)
        return {p: (new, old) for p, (new, old) in changes.items() if new != old}

    def _move(self, sheet: str, row_of: Callable[[int], int | None]) -> None:
        cells = self._cells.get(sheet.lower(), {})
        moved = {}
        for (row, column), cost in cells.items():
            new_row = row_of(row)
            if new_row is None or new_row >= MAX_ROWS:
                self.total -= cost
            else:
                moved[(new_row, column)] = cost
        self._cells[sheet.lower()] = moved


def _inside(position: tuple[int, int], area: Area) -> bool:
    row, column = position
    return (
        area.first_row <= row <= area.last_row and area.first_column <= column <= area.last_column
    )
