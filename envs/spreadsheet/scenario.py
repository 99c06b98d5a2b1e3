"""What a spreadsheet task's generator makes: the workbook, the truth, and the answer.

A generator (one module per task under ``scenarios/``) draws assumptions from the
episode's seed and returns a :class:`Scenario`: the starting workbook (openpyxl), the
inputs and outputs as *defined names* (names move with inserted or deleted rows, so
the verifier finds the agent's outputs wherever the model grew), an independent
Python computation of every output from the inputs, the input changes the
sensitivity check applies, and the oracle's tool calls.

A build task also describes its :class:`Coverage`, what verifier 2 checks: every row
the instruction asks for as an output, a truth that can hold a row's first cell at
another value (to see that the rows computed from it follow), how each input moves,
and the blunt strategies of the task. It draws nothing from the seed's generator, so
a version judged by verifier 1 gets the very workbook it always got.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from random import Random
from typing import Any

from openpyxl import Workbook as XlsxWorkbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from skillgym.envs.core.verification import Check
from skillgym.envs.spreadsheet.addresses import quote_sheet, split_sheet

FIXED_TIME = datetime(2026, 1, 1)  # document properties never carry the generation time


def _with_fixed_member_times(xlsx: bytes) -> bytes:
    """``xlsx`` with every zip member dated FIXED_TIME.

    zipfile stamps members with the current second, which made one seed's workbook
    differ byte for byte across seconds.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


Truth = Callable[[Mapping[str, float]], dict[str, list[float]]]
Overrides = Mapping[tuple[str, int], float]
"""Cells held at a value: ``(output name, index of the cell in the output) -> value``."""
CellTruth = Callable[[Mapping[str, float], Overrides], dict[str, list[float]]]
Move = Callable[[Random, float], float]
"""How an input moves for the sensitivity check: its new value, drawn from its old one."""


@dataclass(frozen=True)
class Output:
    """One required output: a defined name over its cells, and how close it must be.

    ``label`` says what it is ("net income, years 1-3"); where it is comes from the name.
    ``dates``: its values are day numbers, shown in the verification with their dates
    (``45688 (2025-01-31)``) as the view shows a date.
    """

    name: str
    label: str
    rel_tol: float = 1e-6
    abs_tol: float = 1e-6
    dates: bool = False
    formula_cells: tuple[int, ...] | None = None
    """The cells (indexes, row by row) that must be formulas; None: all. The others may
    hold a typed constant the instruction allows (a 0 for a holder with no new shares)."""


class Cells:
    """The rows a truth computes, cell by cell, with some cells held at given values.

    A truth calls :meth:`put` for each cell in the order the model computes them and
    goes on with what it returns: the value it computed, or the value the cell is
    held at. Holding one cell and recomputing is how the verifier learns what the rows
    computed from it must show.

    Example:
        >>> cells = Cells({("Revenue", 0): 110.0})
        >>> [cells.put("Revenue", v) for v in (100.0, 105.0)]
        [110.0, 105.0]
    """

    def __init__(self, overrides: Overrides | None = None) -> None:
        self.rows: dict[str, list[float]] = {}
        self._overrides = overrides or {}

    def put(self, name: str, value: float) -> float:
        """Record the next cell of ``name``; what it holds."""
        row = self.rows.setdefault(name, [])
        value = self._overrides.get((name, len(row)), value)
        row.append(value)
        return value

    def put_all(self, name: str, values: Sequence[float]) -> list[float]:
        """Record several cells of ``name`` in order; what they hold."""
        return [self.put(name, value) for value in values]


@dataclass(frozen=True)
class Link:
    """Rows computed from a cell: hold ``source``'s first cell at another value and they follow.

    ``source`` is a defined name (an output, or a probe naming one cell of an output);
    ``dependents`` the cells, ``(output, index)``, whose formulas use it directly.
    """

    source: str
    dependents: tuple[tuple[str, int], ...]
    held_at: Callable[[float], float] | None = None
    """The value the held cell gets from its right value; None: a tenth more (1 for a 0)."""


def always(_inputs: Mapping[str, float]) -> bool:
    """Every set of inputs is a sensible one."""
    return True


@dataclass
class Coverage:
    """What verifier 2 checks of a build task, beyond the outputs verifier 1 checked.

    ``outputs``: every row, column and sheet the instruction asks for, each a defined
    name (``names`` adds the ones the starting workbook lacks, and ``probes``: single
    cells a link holds, ``name -> (output, index)``). ``truth`` computes them all from
    the inputs, with cells held (:class:`Cells`). ``links``: what each row feeds.
    ``moves``: how an input moves (others: up or down 5-20%), except the ``layout``
    inputs that fix how many rows the model has; ``valid`` says which inputs still make
    a sensible model. ``headline``: the outputs the instruction names as the results.
    ``allow_swallowing``: cells the instruction asks to wrap in IFERROR. ``solution``:
    the oracle when it differs from verifier 1's; ``shortcuts``: blunt strategies of
    this task (tool calls), played as cheats.
    """

    outputs: list[Output]
    truth: CellTruth
    links: list[Link]
    headline: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)
    probes: dict[str, tuple[str, int]] = field(default_factory=dict)
    moves: dict[str, Move] = field(default_factory=dict)
    layout: frozenset[str] = frozenset()
    valid: Callable[[Mapping[str, float]], bool] = always
    allow_swallowing: frozenset[tuple[str, int]] = frozenset()
    solution: list[dict[str, Any]] | None = None
    shortcuts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Scenario:
    """One episode of a spreadsheet task, made from its seed."""

    workbook: XlsxWorkbook
    variables: dict[str, Any]
    inputs: dict[str, float]
    outputs: list[Output]
    truth: Truth
    perturbations: list[dict[str, float]]
    solution: list[dict[str, Any]]
    model_sheets: list[str]
    required_names: dict[str, str] = field(default_factory=dict)
    required_sheets: list[str] = field(default_factory=list)
    first_view: str | None = None
    task_checks: Callable[[Any], list[Check]] | None = None
    """Checks only this task makes, given the recalculated engine ``Workbook`` (a repair
    task: inputs and layout untouched, each planted bug gone); they gate like the error check."""
    coverage: Coverage | None = None
    """What verifier 2 checks; :meth:`covered` makes the scenario it judges."""
    shortcuts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Blunt strategies of a task without a coverage (tool calls), played as cheats."""

    def covered(self) -> Scenario:
        """The scenario verifier 2 judges: every asked-for row an output, each one named.

        Adds the coverage's defined names to the starting workbook (this scenario's
        workbook is changed too: call it once, right after the build).
        """
        coverage = self.coverage
        if coverage is None:
            return self
        for name, area in coverage.names.items():
            if name in self.workbook.defined_names:
                raise ValueError(f"Expects a new defined name, actual value: {name!r} exists")
            sheet, cells = split_sheet(area)
            define_name(self.workbook, name, sheet or "", cells)
        return replace(
            self,
            outputs=coverage.outputs,
            truth=lambda x: coverage.truth(x, {}),
            solution=coverage.solution or self.solution,
        )

    def expected(self, changes: Mapping[str, float] | None = None) -> dict[str, list[float]]:
        """The outputs the truth gives for the seeded inputs, with ``changes`` applied."""
        return self.truth({**self.inputs, **(changes or {})})

    def xlsx_bytes(self) -> bytes:
        """The starting workbook as ``.xlsx``."""
        self.workbook.properties.created = FIXED_TIME
        self.workbook.properties.modified = FIXED_TIME
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return _with_fixed_member_times(buffer.getvalue())

    def output_cells(self) -> dict[str, tuple[str, str]]:
        """Each output's ``(sheet, area)`` in the starting workbook."""
        found = {}
        for output in self.outputs:
            sheet, area = split_sheet(self.workbook.defined_names[output.name].attr_text)
            found[output.name] = (sheet or "", area.replace("$", ""))
        return found

    def labels(self) -> dict[str, str]:
        """Each output's label with its cells, "net income, years 1-3 (IS!C12:E12)"."""
        return {
            output.name: f"{output.label} ({quote_sheet(sheet)}!{area})"
            for output, (sheet, area) in zip(
                self.outputs, self.output_cells().values(), strict=True
            )
        }

    def solution_actions(self) -> list[str]:
        """The oracle's tool calls as action strings."""
        return [json.dumps(call) for call in self.solution]


def inputs_sheet(
    workbook: XlsxWorkbook, rows: Iterable[Sequence[Any]], values: Mapping[str, float]
) -> Worksheet:
    """Make the workbook's first sheet ``Inputs``: a header, then one named input per row.

    ``rows`` holds ``(name, label, row, ...)``: label in column A, value in column B,
    and the value's cell named ``name``.
    """
    sheet = workbook.active
    sheet.title = "Inputs"
    sheet["A1"], sheet["B1"] = "Assumption", "Value"
    add_inputs(workbook, sheet, rows, values)
    return sheet


def add_inputs(
    workbook: XlsxWorkbook,
    sheet: Worksheet,
    rows: Iterable[Sequence[Any]],
    values: Mapping[str, float],
) -> None:
    """Write ``(name, label, row, ...)`` rows as label (A), value (B) and a name for B."""
    for name, label, row, *_ in rows:
        sheet[f"A{row}"], sheet[f"B{row}"] = label, values[name]
        define_name(workbook, name, sheet.title, f"B{row}")


def define_name(workbook: XlsxWorkbook, name: str, sheet: str, area: str) -> None:
    """Give ``sheet!area`` a workbook-level name (absolute, as Excel writes names)."""
    first, _, last = area.partition(":")
    absolute = "$" + "$".join(_split_letters(first))
    if last:
        absolute += ":$" + "$".join(_split_letters(last))
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheet(sheet)}!{absolute}")


def _split_letters(cell: str) -> tuple[str, str]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return letters, cell[len(letters) :]


def write_call(sheet: str, cells: dict[str, Any]) -> dict[str, Any]:
    """A ``write_cells`` tool call."""
    return {"tool": "write_cells", "args": {"sheet": sheet, "cells": cells}}
