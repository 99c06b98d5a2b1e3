"""Verifying a spreadsheet episode: recalculate, compare with the truth, move the inputs.

Every output is checked three ways, and counts only when all three hold: its value
(within tolerance of the truth computed in Python from the seeded inputs), that it is
a formula, and that it moves as the truth does when the sensitivity check changes
inputs and recalculates (pasted numbers do not move). Then two gates: no error value
anywhere on the model's sheets, and the structure the task names (defined names,
sheets). Score = the fraction of outputs that count, halved if a gate fails; success
only when every check passed.
"""

from __future__ import annotations

import math
from typing import Any

from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.spreadsheet.addresses import Area
from skillgym.envs.spreadsheet.engine import Workbook
from skillgym.envs.spreadsheet.grid import error_name, show_value
from skillgym.envs.spreadsheet.scenario import Output, Scenario


def close_enough(expected: float, actual: Any, output: Output) -> bool:
    """Whether a shown value is a number within the output's tolerance of ``expected``."""
    if isinstance(actual, bool) or not isinstance(actual, (int, float)) or math.isnan(actual):
        return False
    return abs(actual - expected) <= max(output.abs_tol, output.rel_tol * abs(expected))


def compare(output: Output, expected: list[float], got: dict[str, Any] | None) -> tuple[bool, str]:
    """Whether the output's cells match ``expected``; and the actual values as text."""
    if got is None:
        return False, "the name no longer refers to cells"
    values = got["values"]
    text = ", ".join(show_value(v) for v in values[:12]) + (" ..." if len(values) > 12 else "")
    if len(values) != len(expected):
        return False, f"{len(values)} cells: {text}"
    return all(close_enough(e, a, output) for e, a in zip(expected, values, strict=True)), text


def _numbers(values: list[float]) -> str:
    return ", ".join(f"{v:.10g}" for v in values[:12]) + (" ..." if len(values) > 12 else "")


def _describe(change: dict[str, float], inputs: dict[str, float]) -> str:
    return ", ".join(f"{name} {inputs[name]:.6g} -> {value:.6g}" for name, value in change.items())


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
        value_ok, shown = compare(output, expected[output.name], got)
        checks.append(
            Check(
                name=f"value: {labels[output.name]}",
                passed=value_ok,
                expected=_numbers(expected[output.name]),
                actual=shown,
            )
        )
        is_formula = got is not None and bool(got["formulas"]) and all(got["formulas"])
        checks.append(
            Check(
                name=f"formula: {labels[output.name]}",
                passed=is_formula,
                expected="formulas",
                actual="formulas" if is_formula else "constants or empty cells",
            )
        )
        counts[output.name] = value_ok and is_formula
    for index, change in enumerate(scenario.perturbations, start=1):
        moved = workbook.call("evaluate_with", changes=change, names=names)
        truth = scenario.expected(change)
        for output in scenario.outputs:
            ok, shown = compare(output, truth[output.name], moved.get(output.name))
            checks.append(
                Check(
                    name=f"sensitivity {index}: {labels[output.name]}",
                    passed=ok,
                    expected=_numbers(truth[output.name]),
                    actual=shown,
                    detail=f"with {_describe(change, scenario.inputs)}",
                )
            )
            counts[output.name] = counts[output.name] and ok
    gates = [_no_errors(workbook, scenario.model_sheets), *_structure(workbook, scenario)]
    checks.extend(gates)
    score = sum(counts.values()) / len(counts)
    if not all(gate.passed for gate in gates):
        score /= 2
    return Verification(score=score, success=all(c.passed for c in checks), checks=checks)


def _no_errors(workbook: Workbook, sheets: list[str]) -> Check:
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
        expected="none",
        actual=shown or "none",
    )


def _structure(workbook: Workbook, scenario: Scenario) -> list[Check]:
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
                    expected="present",
                    actual="present" if sheet in present else "missing",
                )
            )
    return checks
