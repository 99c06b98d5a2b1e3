"""A1 addresses: ``B3``, ``A1:H40``, ``Model!C5:G5``, ``'Cap Table'!$B$2``.

Rows and columns are 0-based inside SkillGym and 1-based/lettered on the wire, as in
any spreadsheet program. Everything here is pure and checked: an address outside the
sheet (past row 1,048,576 or column XFD) is an :class:`AddressError` saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384  # A..XFD
CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
SHEET_NAME = re.compile(r"^[^\[\]\*\?/\\:']{1,31}$")


class AddressError(ValueError):
    """An address that is not A1 notation or lies outside the sheet."""


def column_letters(index: int) -> str:
    """``0 -> "A"``, ``27 -> "AB"``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """``"A" -> 0``, ``"AB" -> 27``."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1


@dataclass(frozen=True)
class Cell:
    """One cell, 0-based."""

    row: int
    column: int

    @property
    def a1(self) -> str:
        """The cell in A1 notation."""
        return f"{column_letters(self.column)}{self.row + 1}"


@dataclass(frozen=True)
class Area:
    """A rectangle of cells, 0-based and inclusive."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def a1(self) -> str:
        """The area in A1 notation (a single cell as ``B3``)."""
        first = Cell(self.first_row, self.first_column).a1
        if self.rows == 1 and self.columns == 1:
            return first
        return f"{first}:{Cell(self.last_row, self.last_column).a1}"

    @property
    def absolute(self) -> str:
        """The area with absolute references, ``$B$3:$C$4``."""
        first = f"${column_letters(self.first_column)}${self.first_row + 1}"
        if self.rows == 1 and self.columns == 1:
            return first
        return f"{first}:${column_letters(self.last_column)}${self.last_row + 1}"

    @property
    def rows(self) -> int:
        """How many rows the area spans."""
        return self.last_row - self.first_row + 1

    @property
    def columns(self) -> int:
        """How many columns the area spans."""
        return self.last_column - self.first_column + 1

    @property
    def size(self) -> int:
        """How many cells the area holds."""
        return self.rows * self.columns

    def cells(self) -> list[Cell]:
        """Every cell, row by row."""
        return [
            Cell(r, c)
            for r in range(self.first_row, self.last_row + 1)
            for c in range(self.first_column, self.last_column + 1)
        ]


def bounding_area(areas: Iterable[Area]) -> Area:
    """The smallest area holding every one of ``areas`` (at least one).

    Example:
        >>> bounding_area([parse_area("C2:D3"), parse_area("B7")]).a1
        'B2:D7'
    """
    items = list(areas)
    return Area(
        min(a.first_row for a in items),
        min(a.first_column for a in items),
        max(a.last_row for a in items),
        max(a.last_column for a in items),
    )


def areas_outside(whole: Area, part: Area) -> list[Area]:
    """The cells of ``whole`` that ``part`` leaves out, as up to four areas.

    They come in the order a reader goes on in: right of ``part`` (its rows), below
    it, above it, left of it (its rows); so the first is where to read next.

    Example:
        >>> [a.a1 for a in areas_outside(parse_area("A1:G61"), parse_area("A1:G13"))]
        ['A14:G61']
    """
    top, bottom = max(whole.first_row, part.first_row), min(whole.last_row, part.last_row)
    left, right = (
        max(whole.first_column, part.first_column),
        min(whole.last_column, part.last_column),
    )
    if top > bottom or left > right:  # no overlap: all of the whole is left out
        return [whole]
    candidates = [
        Area(top, right + 1, bottom, whole.last_column),
        Area(bottom + 1, whole.first_column, whole.last_row, whole.last_column),
        Area(whole.first_row, whole.first_column, top - 1, whole.last_column),
        Area(top, whole.first_column, bottom, left - 1),
    ]
    return [a for a in candidates if a.rows > 0 and a.columns > 0]


def parse_cell(text: str) -> Cell:
    """Parse ``B3`` or ``$B$3``.

    Raises:
        AddressError: For anything else, or a cell outside the sheet.
    """
    match = CELL.match(text.strip())
    if not match:
        raise AddressError(f"Expects a cell like 'B3', actual value: {text!r}")
    column, row = column_index(match.group(1)), int(match.group(2)) - 1
    if not 0 <= row < MAX_ROWS or column >= MAX_COLUMNS:
        raise AddressError(
            f"Cell {text!r} is outside the sheet (rows 1-{MAX_ROWS:,}, columns A-XFD)."
        )
    return Cell(row, column)


def parse_area(text: str) -> Area:
    """Parse ``A1:H40`` (corners in any order) or a single cell ``B3``."""
    first, sep, last = text.partition(":")
    a = parse_cell(first)
    b = parse_cell(last) if sep else a
    return Area(
        min(a.row, b.row), min(a.column, b.column), max(a.row, b.row), max(a.column, b.column)
    )


def split_sheet(text: str) -> tuple[str | None, str]:
    """``"'Cap Table'!B2" -> ("Cap Table", "B2")``; no sheet gives None."""
    text = text.strip()
    if text.startswith("'"):
        end = text.find("'!", 1)
        while end != -1 and text[end - 1 : end + 1] == "''" and end > 1:
            end = text.find("'!", end + 1)
        if end == -1:
            raise AddressError(f"Expects 'Sheet name'!A1, actual value: {text!r}")
        return text[1:end].replace("''", "'"), text[end + 2 :]
    sheet, sep, rest = text.rpartition("!")
    return (sheet, rest) if sep else (None, text)


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it: quoted when it holds anything but word characters."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def check_sheet_name(name: str) -> str:
    """A valid new sheet name: 1-31 characters, none of the characters Excel forbids.

    Raises:
        AddressError: Saying what is wrong with it.
    """
    if not SHEET_NAME.match(name) or name != name.strip():
        raise AddressError(
            "Expects a sheet name of 1-31 characters without []*?/\\:' or surrounding "
            f"spaces, actual value: {name!r}"
        )
    return name
