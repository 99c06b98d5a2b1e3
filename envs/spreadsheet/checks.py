"""Verifying a spreadsheet episode: recalculate, compare with the truth, move the inputs.

Every output is checked three ways, and counts only when all three hold: its value
(within tolerance of the truth computed in Python from the seeded inputs), that it is
a formula, and that it moves as the truth does when the sensitivity check changes
inputs and recalculates (pasted numbers do not move). Then two gates: no error value
anywhere on the model's sheets, and the structure the task names (defined names,
sheets). Score = the fraction of outputs that count, halved if a gate fails; success
only when every check passed.

Every check states what was expected and what was found as the agent's view shows
cells: numbers to the check's tolerance (float noise around zero prints as 0), dates
as dates, and for a property (formulas, no errors) the property and what was there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from openpyxl.styles.numbers import is_date_format

from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.spreadsheet.addresses import Area, Cell, quote_sheet, split_sheet
from skillgym.envs.spreadsheet.engine import Workbook
from skillgym.envs.spreadsheet.grid import error_name, is_error, iso_date, readable_number, shorten
from skillgym.envs.spreadsheet.scenario import Output, Scenario

MAX_LISTED = 12  # values a check lists before "..."
MAX_NAMED = 5  # cells a formula check names that are not formulas
GONE = "the name no longer refers to cells"
UNMOVED = " (unchanged: it did not move with the inputs)"


@dataclass(frozen=True)
class Comparison:
    """How an output's cells compare with the values expected of them."""

    passed: bool
    actual: str
    detail: str = ""


def tolerance(output: Output, expected: float) -> float:
    """How far a cell may be from ``expected`` and still match."""
    return max(output.abs_tol, output.rel_tol * abs(expected))


def close_enough(expected: float, actual: Any, output: Output) -> bool:
    """Whether a shown value is a number within the output's tolerance of ``expected``."""
    if isinstance(actual, bool) or not isinstance(actual, (int, float)) or math.isnan(actual):
        return False
    return abs(actual - expected) <= tolerance(output, expected)


def show(value: Any, within: float = 0.0, *, dated: bool = False) -> str:
    """One value as the view shows it, a number to ``within`` (its tolerance).

    Example:
        >>> show(-5.684341886080802e-14, 1e-6), show(45688.0, 0.05, dated=True), show(None)
        ('0', '45688 (2025-01-31)', '(empty)')
        >>> show(["#", 532]), show("")
        ('#DIV/0!', 'empty text')
    """
    if value is None:
        return "(empty)"
    if value == "":  # a formula's empty text: shown, not left blank
        return "empty text"
    if is_error(value):
        return error_name(int(value[1]))
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        text = readable_number(value, within)
        return f"{text} ({iso_date(value)})" if dated and math.isfinite(value) else text
    return shorten(str(value))


def show_values(values: list[Any], output: Output, reference: list[float]) -> str:
    """Values as a list, each to the tolerance of the truth it is compared with."""
    if all(value is None for value in values):
        return "empty" if len(values) == 1 else f"all {len(values)} cells empty"
    shown = [
        show(value, _tolerance_at(output, reference, index), dated=output.dates)
        for index, value in enumerate(values[:MAX_LISTED])
    ]
    more = f", ... ({len(values)} in all)" if len(values) > MAX_LISTED else ""
    return ", ".join(shown) + more


def compare(output: Output, expected: list[float], got: dict[str, Any] | None) -> Comparison:
    """Whether the output's cells match ``expected``; what they hold; the first that differs."""
    if got is None:
        return Comparison(False, GONE)
    values = got["values"]
    shown = show_values(values, output, expected)
    if len(values) != len(expected):
        return Comparison(False, f"{len(values)} cells instead of {len(expected)}: {shown}")
    misses = [
        index
        for index, (e, a) in enumerate(zip(expected, values, strict=True))
        if not close_enough(e, a, output)
    ]
    if not misses:
        return Comparison(True, shown)
    first = misses[0]
    within = tolerance(output, expected[first])
    difference = (
        f"{cell_name(got, first)}: expected {show(expected[first], within, dated=output.dates)}, "
        f"found {_found(values[first], within, output)} "
        f"(tolerance ±{readable_number(within, within / 10)})"
    )
    if len(values) > 1:
        difference = f"{len(misses)} of {len(values)} cells differ, the first at {difference}"
    return Comparison(False, shown, difference)


def cell_name(got: dict[str, Any], index: int) -> str:
    """The address of the ``index``-th value of a ``named_cells`` entry, ``Model!C10``."""
    row, column = divmod(index, got["columns"])
    cell = Cell(got["first_row"] + row, got["first_column"] + column)
    return f"{quote_sheet(got['sheet'])}!{cell.a1}"


def verify_workbook(workbook: Workbook, scenario: Scenario) -> Verification:
    """Recalculate ``workbook`` and judge it against ``scenario``."""
    workbook.call("recalculate")
    names = [output.name for output in scenario.outputs]
    expected = scenario.expected()
    actual = workbook.call("named_cells", names=names)
    labels = scenario.labels()
    checks: list[Check] = []
    counts: dict[str, bool] = {}
    for output in scenario.outputs:
        got = actual.get(output.name)
        value = compare(output, expected[output.name], got)
        checks.append(
            Check(
                name=f"value: {labels[output.name]}",
                passed=value.passed,
                expected=show_values(expected[output.name], output, expected[output.name]),
                actual=value.actual,
                detail=value.detail,
            )
        )
        formula = formula_check(output, labels[output.name], got, expected[output.name])
        checks.append(formula)
        counts[output.name] = value.passed and formula.passed
    dated = dated_inputs(scenario)
    for index, change in enumerate(scenario.perturbations, start=1):
        moved = workbook.call("evaluate_with", changes=change, names=names)
        truth = scenario.expected(change)
        for output in scenario.outputs:
            name = output.name
            check = sensitivity_check(
                f"sensitivity {index}: {labels[name]}",
                output,
                (expected[name], truth[name]),
                (actual.get(name), moved.get(name)),
                f"with {describe_change(change, scenario.inputs, dated)}",
            )
            checks.append(check)
            counts[name] = counts[name] and check.passed
    gates = [no_errors(workbook, scenario.model_sheets), *structure_checks(workbook, scenario)]
    if scenario.task_checks is not None:
        gates.extend(scenario.task_checks(workbook))
    checks.extend(gates)
    score = sum(counts.values()) / len(counts)
    if not all(gate.passed for gate in gates):
        score /= 2
    return Verification.gated(score, checks)


def _tolerance_at(output: Output, reference: list[float], index: int) -> float:
    return tolerance(output, reference[index]) if index < len(reference) else output.abs_tol


def _found(value: Any, within: float, output: Output) -> str:
    return "an empty cell" if value is None else show(value, within, dated=output.dates)


def formula_check(
    output: Output,
    label: str,
    got: dict[str, Any] | None,
    expected: list[float],
    *,
    essential: bool = False,
) -> Check:
    """Whether every cell of the output that must be one is a formula; what the others hold."""
    required = _required(output, len(expected))
    formulas = [] if got is None else got["formulas"]
    if output.formula_cells is None:
        passed = got is not None and bool(formulas) and all(formulas)
    else:
        passed = len(formulas) == len(expected) and all(formulas[i] for i in required)
    if got is None:
        found = GONE
    elif passed:
        shown = len(formulas) if output.formula_cells is None else len(required)
        found = _formulas_in(shown, len(formulas))
    else:
        found = _not_formulas(output, got, expected)
    return Check(
        name=f"formula: {label}",
        passed=passed,
        expected=_formulas_in(len(required), len(expected)),
        actual=found,
        essential=essential,
    )


def _required(output: Output, count: int) -> list[int]:
    """The indexes of the output's cells that must be formulas."""
    if output.formula_cells is None:
        return list(range(count))
    return [index for index in output.formula_cells if index < count]


def _formulas_in(count: int, cells: int) -> str:
    if count < cells:
        return (
            f"formulas in the {count} of its {cells} cells that compute (the rest may be typed 0s)"
        )
    return "a formula" if count == 1 else f"formulas in all {count} cells"


def _not_formulas(output: Output, got: dict[str, Any], expected: list[float]) -> str:
    """The cells of an output that are not formulas: ``a constant 1234.5``, or a list."""
    values, formulas = got["values"], got["formulas"]
    if len(values) == 1:
        return (
            "an empty cell"
            if values[0] is None
            else f"a constant {_plain(output, got, expected, 0)}"
        )
    if all(value is None for value in values):
        return f"all {len(values)} cells empty"
    if output.formula_cells is None:
        plain = [index for index, is_formula in enumerate(formulas) if not is_formula]
    elif len(values) != len(expected):
        return f"{len(values)} cells instead of {len(expected)}"
    else:
        plain = [index for index in _required(output, len(values)) if not formulas[index]]
    named = [
        f"{cell_name(got, index)} empty"
        if values[index] is None
        else f"{cell_name(got, index)}={_plain(output, got, expected, index)}"
        for index in plain[:MAX_NAMED]
    ]
    more = ", ..." if len(plain) > MAX_NAMED else ""
    return f"{len(plain)} of {len(values)} cells are not formulas: {', '.join(named)}{more}"


def _plain(output: Output, got: dict[str, Any], expected: list[float], index: int) -> str:
    """The ``index``-th value of an output's cells, to the tolerance of its truth."""
    within = _tolerance_at(output, expected, index)
    return show(got["values"][index], within, dated=output.dates)


def sensitivity_check(
    name: str,
    output: Output,
    truths: tuple[list[float], list[float]],
    cells: tuple[dict[str, Any] | None, dict[str, Any] | None],
    setting: str,
) -> Check:
    """Whether the output moved as the truth did when inputs changed (``setting`` says how).

    ``truths`` and ``cells`` hold the truth and the output's cells before and after the
    change; an output that failed by not moving at all is said to have not moved.
    """
    (base_truth, truth), (before, after) = truths, cells
    result = compare(output, truth, after)
    found = result.actual
    truth_moved = len(base_truth) != len(truth) or not all(
        close_enough(b, t, output) for b, t in zip(base_truth, truth, strict=True)
    )
    unmoved = before is not None and after is not None and before["values"] == after["values"]
    if not result.passed and truth_moved and unmoved:
        found += UNMOVED
    return Check(
        name=name,
        passed=result.passed,
        expected=show_values(truth, output, truth),
        actual=found,
        detail="; ".join(filter(None, [setting, result.detail])),
    )


def dated_inputs(scenario: Scenario) -> set[str]:
    """The inputs whose cells carry a date format in the starting workbook."""
    dated = set()
    for name in scenario.inputs:
        defined = scenario.workbook.defined_names.get(name)
        if defined is None:
            continue
        sheet, area = split_sheet(defined.attr_text)
        cell = scenario.workbook[sheet or ""][area.replace("$", "").split(":")[0]]
        if is_date_format(cell.number_format):
            dated.add(name)
    return dated


def describe_change(change: dict[str, float], inputs: dict[str, float], dated: set[str]) -> str:
    """``Principal 1000000 -> 1200000, FirstPayment 45688 (2025-01-31) -> 45900 (...)``."""
    return ", ".join(
        f"{name} {show(inputs[name], dated=name in dated)} -> {show(value, dated=name in dated)}"
        for name, value in change.items()
    )


def no_errors(workbook: Workbook, sheets: list[str]) -> Check:
    """Whether any formula on ``sheets`` shows an error value; the first ones found."""
    found: list[str] = []
    present = {s["name"] for s in workbook.call("sheets")}
    for sheet in sheets:
        if sheet not in present:
            found.append(f"sheet {sheet} is missing")
            continue
        for row, column, code in workbook.call("error_cells", sheet=sheet, limit=11):
            found.append(f"{sheet}!{Area(row, column, row, column).a1} {error_name(code)}")
    shown = ", ".join(found[:10]) + (" and more" if len(found) > 10 else "")
    return Check(
        name="no error values in the model",
        passed=not found,
        expected=f"no error values on {', '.join(sheets)}",
        actual=shown or "none found",
    )


def structure_checks(workbook: Workbook, scenario: Scenario) -> list[Check]:
    """The defined names and sheets the task requires, each a check."""
    checks = []
    if scenario.required_names:
        defined = {n["name"].lower(): n["refers_to"] for n in workbook.call("names")}
        for name, refers_to in scenario.required_names.items():
            actual = defined.get(name.lower())
            checks.append(
                Check(
                    name=f"defined name {name}",
                    passed=actual is not None and actual.lower() == refers_to.lower(),
                    expected=refers_to,
                    actual=actual or "not defined",
                )
            )
    if scenario.required_sheets:
        present = {s["name"] for s in workbook.call("sheets")}
        for sheet in scenario.required_sheets:
            checks.append(
                Check(
                    name=f"sheet {sheet}",
                    passed=sheet in present,
                    expected=f"a sheet named {sheet}",
                    actual="present" if sheet in present else f"no sheet named {sheet}",
                )
            )
    return checks
