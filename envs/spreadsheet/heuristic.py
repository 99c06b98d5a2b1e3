"""The spreadsheet family's heuristic baseline: write the equations the instruction spells out.

A rule-based agent that reads the instruction and the workbook's defined names (both in
its observation) and writes what it can read off them:

- every equation written out in words: "B6: enterprise value = B3 + B5" or "equity
  value = enterprise value - net debt", where each side is a cell or a phrase that
  names a defined name ("net debt" -> ``NetDebt``);
- a row that "grows ... at the growth rate": ``Revenue`` (a row) from ``Revenue0`` (a
  cell), each year the year before times ``(1 + Growth)``.

Everything the instruction only describes (discounting, schedules, lookups, the repairs)
it leaves alone, so it builds a small, plausible part of the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

CELL = r"[A-Z]{1,2}\d+"
EQUATION = re.compile(rf"(?:({CELL}): )?([A-Za-z][\w &/.-]*?) = ([^;:()]+?)(?=[;:(]|\. |$)")
OPERATOR = re.compile(r" ([-+/*x]) ")
NAMES_LINE = re.compile(r"^Names: (.*)$", re.MULTILINE)
NAME = re.compile(r"(\w+) =(\w+)!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?(?=,|$| )")
GROWS = re.compile(r"(\w+)(?: \(row \d+\))? grows\b[^;.]*?\bat the growth rate")
FILLED_SHEET = re.compile(r"\b(?:Build|Fill) the (\w+) sheet")
ARTICLES = ("the ", "a ", "an ", "its ")


@dataclass(frozen=True)
class Cell:
    """A single cell a defined name points at."""

    sheet: str
    address: str


def key(phrase: str) -> str:
    """A phrase or a name reduced to letters and digits, lower case, for matching."""
    for article in ARTICLES:
        phrase = phrase.removeprefix(article)
    return re.sub(r"[^0-9a-z]", "", phrase.lower())


def single_cell_names(sheets: str) -> dict[str, Cell]:
    """The defined names of the ``sheets`` field that point at one cell, by their key."""
    return {
        key(name): Cell(sheet, f"{col}{row}")
        for name, sheet, col, row, last_col, _ in defined_names(sheets)
        if not last_col
    }


def defined_names(sheets: str) -> list[tuple[str, ...]]:
    """(name, sheet, column, row, last column, last row) of each defined name listed."""
    line = NAMES_LINE.search(sheets)
    return NAME.findall(line.group(1)) if line else []


def growing_rows(instruction: str, sheets: str) -> dict[str, dict[str, str]]:
    """Sheet -> cell -> formula for each named row the instruction says grows at the rate."""
    text = " ".join(instruction.split())
    names = {key(n[0]): n for n in defined_names(sheets)}
    growth = names.get("growth")
    writes: dict[str, dict[str, str]] = {}
    for phrase in GROWS.findall(text):
        row, start = names.get(key(phrase)), names.get(key(phrase) + "0")
        if growth is None or row is None or start is None or not row[4] or row[3] != row[5]:
            continue
        _, sheet, first, number, last, _ = row
        rate = f"{growth[1]}!${growth[2]}${growth[3]}"
        cells = {f"{first}{number}": f"={start[1]}!{start[2]}{start[3]}*(1+{rate})"}
        for column in range(column_index(first) + 1, column_index(last) + 1):
            before = f"{column_letter(column - 1)}{number}"
            cells[f"{column_letter(column)}{number}"] = f"={before}*(1+{rate})"
        writes.setdefault(sheet, {}).update(cells)
    return writes


def column_index(letters: str) -> int:
    """``A`` -> 1, ``AA`` -> 27."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def column_letter(index: int) -> str:
    """1 -> ``A``, 27 -> ``AA``."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def operand(text: str, names: dict[str, Cell], sheet: str) -> str | None:
    """An equation's operand as a formula reference, or None when it is not one."""
    text = text.strip().rstrip(".")
    if re.fullmatch(CELL, text):
        return text
    cell = names.get(key(text))
    if cell is None:
        return None
    return cell.address if cell.sheet == sheet else f"{cell.sheet}!{cell.address}"


def formula(expression: str, names: dict[str, Cell], sheet: str) -> str | None:
    """``expression`` ("a - b / c") as a formula, or None unless every operand is known."""
    parts = OPERATOR.split(expression.strip())
    references = [operand(p, names, sheet) for p in parts[::2]]
    if len(parts) < 3 or None in references:
        return None
    operators = ["*" if op == "x" else op for op in parts[1::2]]
    terms = [
        references[0],
        *(f"{op}{ref}" for op, ref in zip(operators, references[1:], strict=True)),
    ]
    return "=" + "".join(t for t in terms if t)


def spelled_out_formulas(instruction: str, sheets: str) -> dict[str, dict[str, str]]:
    """Sheet -> cell -> formula for every equation of the instruction it can write."""
    text = " ".join(instruction.split())
    names = single_cell_names(sheets)
    filled = FILLED_SHEET.search(text)
    default_sheet = filled.group(1) if filled else ""
    writes: dict[str, dict[str, str]] = {}
    for address, label, expression in EQUATION.findall(text):
        target = Cell(default_sheet, address) if address else names.get(key(label))
        if target is None or not target.sheet:
            continue
        written = formula(expression, names, target.sheet)
        if written:
            writes.setdefault(target.sheet, {})[target.address] = written
    return writes


class SpelledOutEquationsPolicy:
    """Write each sheet's spelled-out equations in one call, then submit.

    Example:
        >>> policy = SpelledOutEquationsPolicy()
        >>> observation = {
        ...     "instruction": "Build the Model sheet: B6: enterprise value = B3 + B5.",
        ...     "sheets": "Model (used A1:A9)",
        ... }
        >>> json.loads(policy(observation))["args"]
        {'sheet': 'Model', 'cells': {'B6': '=B3+B5'}}
    """

    def __init__(self) -> None:
        self._calls: list[str] | None = None

    def __call__(self, observation: dict[str, str]) -> str:
        """The next write, or ``submit`` when none is left."""
        if self._calls is None:
            instruction, sheets = observation.get("instruction", ""), observation.get("sheets", "")
            writes = spelled_out_formulas(instruction, sheets)
            for sheet, cells in growing_rows(instruction, sheets).items():
                writes.setdefault(sheet, {}).update(cells)
            self._calls = [
                json.dumps({"tool": "write_cells", "args": {"sheet": sheet, "cells": cells}})
                for sheet, cells in writes.items()
            ]
        if not self._calls:
            return json.dumps({"tool": "submit", "args": {}})
        return self._calls.pop(0)
