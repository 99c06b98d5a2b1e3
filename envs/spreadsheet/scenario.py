"""What a spreadsheet task's generator makes: the workbook, the truth, and the answer.

A generator (one module per task under ``scenarios/``) draws assumptions from the
episode's seed and returns a :class:`Scenario`: the starting workbook (openpyxl), the
inputs and outputs as *defined names* (names move with inserted or deleted rows, so
the verifier finds the agent's outputs wherever the model grew), an independent
Python computation of every output from the inputs, the input changes the
sensitivity check applies, and the oracle's tool calls.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook as XlsxWorkbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from skillgym.envs.spreadsheet.addresses import quote_sheet, split_sheet

FIXED_TIME = datetime(2026, 1, 1)  # document properties never carry the generation time

Truth = Callable[[Mapping[str, float]], dict[str, list[float]]]


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

    def expected(self, changes: Mapping[str, float] | None = None) -> dict[str, list[float]]:
        """The outputs the truth gives for the seeded inputs, with ``changes`` applied."""
        return self.truth({**self.inputs, **(changes or {})})

    def xlsx_bytes(self) -> bytes:
        """The starting workbook as ``.xlsx``."""
        self.workbook.properties.created = FIXED_TIME
        self.workbook.properties.modified = FIXED_TIME
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()

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
