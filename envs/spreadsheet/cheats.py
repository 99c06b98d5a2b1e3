"""Blunt strategies a spreadsheet verifier must not pay, each a fixed list of tool calls.

- ``paste-constants``: every output's right numbers typed in.
- ``typed-inputs``: the oracle's model with every input it reads typed in as a number
  (a range of inputs as an array constant), the starting workbook's links included.
- ``outputs-only``: the oracle's model on copies of the model sheets; on the model
  sheets only the results the instruction names, each reading its copy, and every
  row in between left empty.
- ``swallowed-errors``: the oracle's model plus a row that divides by zero inside
  IFERROR, under the model.
- the task's own (``Coverage.shortcuts``, or ``Scenario.shortcuts`` for a task without
  a coverage): cash as the balance sheet's plug with no cash flow statement, a
  schedule's balances from closed forms with the columns between them empty.

``skillgym validate`` plays each on the newest version of every task (they must score
below 0.5); the tests replay them on older versions too, which paid some in full.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from skillgym.envs.spreadsheet.addresses import parse_area, quote_sheet, split_sheet
from skillgym.envs.spreadsheet.formula_text import Reference, replace_references, shifted
from skillgym.envs.spreadsheet.scenario import Scenario, write_call
from skillgym.envs.spreadsheet.solvers import to_serial

Calls = list[dict[str, Any]]
SHADOW_SUFFIX = "_work"


def strategies(scenario: Scenario) -> dict[str, Calls]:
    """Every strategy that applies to ``scenario``, by name."""
    found = {"paste-constants": paste_constants(scenario), **scenario.shortcuts}
    if scenario.coverage is None:
        return found
    found["typed-inputs"] = typed_inputs(scenario)
    found["outputs-only"] = outputs_only(scenario)
    found["swallowed-errors"] = swallowed_errors(scenario)
    found.update(scenario.coverage.shortcuts)
    return found


def paste_constants(scenario: Scenario) -> Calls:
    """The right numbers typed into every output's cells."""
    expected = scenario.expected()
    calls = []
    for name, (sheet, area) in scenario.output_cells().items():
        cells = parse_area(area).cells()
        calls.append(
            write_call(sheet, dict(zip((c.a1 for c in cells), expected[name], strict=True)))
        )
    return calls


def typed_inputs(scenario: Scenario, only: Collection[str] | None = None) -> Calls:
    """The oracle's model with the inputs it reads typed in as numbers.

    ``only``: the names of the inputs to type (the others stay references); by default
    every cell of the input sheets the model reads, ranges too.
    """
    inputs = [s for s in scenario.workbook.sheetnames if s not in scenario.model_sheets]
    chosen = None if only is None else {_input_cell(scenario, name) for name in only}

    def typed(reference: Reference) -> str | None:
        if reference.sheet not in inputs:
            return None
        if chosen is not None and (reference.sheet, reference.text.replace("$", "")) not in chosen:
            return None
        return _constant(scenario, reference)

    calls = []
    for sheet in scenario.model_sheets:
        prefilled = {
            cell.coordinate: cell.value
            for row in scenario.workbook[sheet].iter_rows()
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith("=")
        }
        if prefilled:
            calls.append(
                write_call(sheet, {c: replace_references(f, typed) for c, f in prefilled.items()})
            )
    for call in scenario.solution:
        if call["tool"] != "write_cells":
            calls.append(call)
            continue
        sheet = call["args"]["sheet"]
        cells = {
            cell: replace_references(content, typed) if _is_formula(content) else content
            for cell, content in _expanded(call["args"]["cells"]).items()
        }
        calls.append(write_call(sheet, cells))
    return calls


def outputs_only(scenario: Scenario) -> Calls:
    """The model on copies of the model sheets; the named results alone on the sheets themselves."""
    assert scenario.coverage is not None
    shadow = {sheet: f"{sheet}{SHADOW_SUFFIX}" for sheet in scenario.model_sheets}

    def to_shadow(reference: Reference) -> str | None:
        if reference.sheet not in shadow:
            return None
        return f"{quote_sheet(shadow[reference.sheet])}!{reference.text}"

    calls: Calls = []
    for sheet, copy in shadow.items():
        calls.append({"tool": "add_sheet", "args": {"name": copy}})
        starting = {
            cell.coordinate: cell.value
            for row in scenario.workbook[sheet].iter_rows()
            for cell in row
            if cell.value is not None
        }
        if starting:
            calls.append(write_call(copy, starting))
    for call in scenario.solution:
        if call["tool"] != "write_cells":
            continue
        cells = {
            cell: replace_references(content, to_shadow) if _is_formula(content) else content
            for cell, content in call["args"]["cells"].items()
        }
        calls.append(write_call(shadow[call["args"]["sheet"]], cells))
    for name in scenario.coverage.headline:
        where, area = split_sheet(scenario.workbook.defined_names[name].attr_text)
        sheet, block = where or "", parse_area(area.replace("$", ""))
        first = block.cells()[0].a1
        calls.append(write_call(sheet, {block.a1: f"={quote_sheet(shadow[sheet])}!{first}"}))
    return calls


def swallowed_errors(scenario: Scenario) -> Calls:
    """The oracle's model and, under it, a row that divides by zero inside IFERROR."""
    sheet = scenario.model_sheets[0]
    rows = [scenario.workbook[sheet].max_row]
    for call in scenario.solution:
        if call["tool"] == "write_cells" and call["args"]["sheet"] == sheet:
            rows += [parse_area(cell).last_row + 1 for cell in call["args"]["cells"]]
    row = max(rows) + 2
    name = next(iter(scenario.inputs))
    where = scenario.workbook.defined_names[name].attr_text
    broken = {f"A{row}": "Check", f"B{row}": f"=IFERROR(1/({where}-{where}),0)"}
    return [*scenario.solution, write_call(sheet, broken)]


def _expanded(cells: dict[str, Any]) -> dict[str, Any]:
    """Each range of a write as its cells, a formula moved as a fill moves it."""
    found = {}
    for target, content in cells.items():
        area = parse_area(target)
        for cell in area.cells():
            rows, columns = cell.row - area.first_row, cell.column - area.first_column
            moved = shifted(content, rows, columns) if _is_formula(content) else content
            found[cell.a1] = moved
    return found


def _input_cell(scenario: Scenario, name: str) -> tuple[str, str]:
    """The ``(sheet, cell)`` an input's defined name refers to, ``("Inputs", "B3")``."""
    sheet, area = split_sheet(scenario.workbook.defined_names[name].attr_text)
    return sheet or "", area.replace("$", "")


def _is_formula(content: Any) -> bool:
    return isinstance(content, str) and content.startswith("=")


def _constant(scenario: Scenario, reference: Reference) -> str:
    """A reference to input cells as the constant they hold: a number, or an array constant."""
    sheet = scenario.workbook[reference.sheet or ""]
    area = parse_area(reference.text.replace("$", ""))
    rows = []
    for r in range(area.first_row, area.last_row + 1):
        row = [
            sheet.cell(r + 1, c + 1).value for c in range(area.first_column, area.last_column + 1)
        ]
        rows.append(",".join(_literal(value) for value in row))
    if area.size == 1:
        return rows[0] if not rows[0].startswith("-") else f"({rows[0]})"
    return "{" + ";".join(rows) + "}"


def _literal(value: Any) -> str:
    """A cell's value as a formula constant: a number, or text in quotes."""
    if value is None:
        return "0"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        value = to_serial(value)
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return '"' + str(value).replace('"', '""') + '"'
