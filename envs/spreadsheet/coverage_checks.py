"""Verifier 2: every asked-for row checked, every input moved, every link tried, no error hidden.

What verifier 1 checked (``checks.py``) was less than what the instructions ask: only
the outputs they named, moved by the same few inputs every episode, and error values
only where they showed. Verifier 2 judges a build task by its :class:`Coverage`:

- every row, column and sheet the instruction asks for is an output, and counts when
  its value matches the truth, it is formulas (**essential**: a row left empty or typed
  in caps the score) and it follows every input change of the sensitivity check;
- the sensitivity check moves every input (``sensitivity.py``): one typed into the
  model as a number makes an output miss;
- each link (**essential**) holds one cell of a row at another value and recalculates:
  the cells whose formulas use it must move as the task's model moves them (within
  half of the expected move), so a row that nothing reads (cash as a plug beside an
  unused cash flow statement, a balance from a closed form) fails;
- the gates are essential: no error values on the model's sheets (and sheets the agent
  added), none hidden by IFERROR and its kin (``swallowing.py``), the structure the
  task names; a task's own checks gate as they say.

Score = the share of outputs that count, halved if a gate that is not essential fails,
and cut to a fifth (``FAILED_ESSENTIAL_FACTOR``) if an essential check fails.
A task without a coverage (the repair task) keeps verifier 1's outputs and changes,
with verifier 2's gates.
"""

from __future__ import annotations

from typing import Any

from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.spreadsheet.checks import (
    cell_name,
    compare,
    dated_inputs,
    describe_change,
    formula_check,
    no_errors,
    sensitivity_check,
    show,
    show_values,
    structure_checks,
    tolerance,
)
from skillgym.envs.spreadsheet.engine import EngineRequestError, Workbook, WorkLimitExceeded
from skillgym.envs.spreadsheet.grid import readable_number
from skillgym.envs.spreadsheet.scenario import Coverage, Link, Output, Scenario
from skillgym.envs.spreadsheet.swallowing import hidden_errors

LINK_SLACK = 0.5  # a dependent may move by the expected move +/- half of it
MAX_LISTED = 6


def verify_covered(workbook: Workbook, scenario: Scenario) -> Verification:
    """Recalculate ``workbook`` and judge it against ``scenario`` as verifier 2 does."""
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
        formula = formula_check(
            output, labels[output.name], got, expected[output.name], essential=True
        )
        checks.append(formula)
        counts[output.name] = value.passed and formula.passed
    for name, check in _sensitivity(workbook, scenario, expected, actual):
        checks.append(check)
        counts[name] = counts[name] and check.passed
    if scenario.coverage is not None:
        checks += _links(workbook, scenario, scenario.coverage, actual)
    gates = _gates(workbook, scenario, actual)
    checks += gates
    score = sum(counts.values()) / len(counts)
    if any(not gate.passed and not gate.essential for gate in gates):
        score /= 2
    return Verification.gated(score, checks)


def _evaluate(
    workbook: Workbook, changes: dict[str, float], names: list[str]
) -> dict[str, Any] | str:
    """The named cells recalculated with ``changes``; the engine's refusal as text."""
    try:
        result: dict[str, Any] = workbook.call("evaluate_with", changes=changes, names=names)
    except EngineRequestError as exc:
        return f"could not be recalculated with that change: {exc}"
    except WorkLimitExceeded:
        return "could not be recalculated with that change in the time one call may take"
    return result


def _sensitivity(
    workbook: Workbook,
    scenario: Scenario,
    expected: dict[str, list[float]],
    actual: dict[str, Any],
) -> list[tuple[str, Check]]:
    """One check per output over every change (per output and change without a coverage)."""
    names = [output.name for output in scenario.outputs]
    labels = scenario.labels()
    dated = dated_inputs(scenario)
    found: list[tuple[str, Check]] = []
    results = []
    for change in scenario.perturbations:
        moved = _evaluate(workbook, change, names)
        results.append((change, scenario.expected(change), moved))
    for output in scenario.outputs:
        name = output.name
        verdicts = []
        for index, (change, truth, moved) in enumerate(results, start=1):
            cells = (actual.get(name), None if isinstance(moved, str) else moved.get(name))
            setting = f"with {describe_change(change, scenario.inputs, dated)}"
            if isinstance(moved, str):
                setting += f" ({moved})"
            check = sensitivity_check(
                f"sensitivity {index}: {labels[name]}",
                output,
                (expected[name], truth[name]),
                cells,
                setting,
            )
            verdicts.append(check)
        if scenario.coverage is None:
            found += [(name, check) for check in verdicts]
        elif verdicts:
            found.append((name, _all_changes(labels[name], verdicts)))
    return found


def _all_changes(label: str, verdicts: list[Check]) -> Check:
    """One check for an output over every change: the first it missed, in full."""
    missed = [index for index, check in enumerate(verdicts) if not check.passed]
    count = len(verdicts)
    if not missed:
        return Check(
            name=f"sensitivity: {label}",
            passed=True,
            expected=f"to follow each of the {count} changes of the inputs as the truth does",
            actual=f"followed all {count}",
        )
    first = verdicts[missed[0]]
    others = [str(index + 1) for index in missed[1:]]
    also = f"; changes {', '.join(others)} missed too" if others else ""
    return Check(
        name=f"sensitivity: {label}",
        passed=False,
        expected=first.expected,
        actual=first.actual,
        detail=f"change {missed[0] + 1} of {count}, {first.detail}{also}",
    )


def _links(
    workbook: Workbook, scenario: Scenario, coverage: Coverage, actual: dict[str, Any]
) -> list[Check]:
    """Hold each link's cell at another value: the cells computed from it must follow."""
    outputs = {output.name: output for output in scenario.outputs}
    base = coverage.truth(scenario.inputs, {})
    probes = [name for name in coverage.probes if name not in actual]
    placed = {**actual, **workbook.call("named_cells", names=probes)} if probes else actual
    checks = []
    for link in coverage.links:
        held = coverage.probes.get(link.source, (link.source, 0))
        value = (link.held_at or _nudged)(base[held[0]][held[1]])
        truth = coverage.truth(scenario.inputs, {held: value})
        names = sorted({name for name, _ in link.dependents})
        moved = _evaluate(workbook, {link.source: value}, names)
        checks.append(_link_check(link, held, value, (base, truth), (placed, moved), outputs))
    return checks


def _nudged(value: float) -> float:
    """Another value for a held cell: a tenth more (1 more for a zero)."""
    return value + (abs(value) * 0.1 if abs(value) > 1e-9 else 1.0)


def _link_check(
    link: Link,
    held: tuple[str, int],
    value: float,
    truths: tuple[dict[str, list[float]], dict[str, list[float]]],
    cells: tuple[dict[str, Any], dict[str, Any] | str],
    outputs: dict[str, Output],
) -> Check:
    """Whether every dependent of ``link`` moved as the truth moved when ``held`` was set to ``value``."""
    (base, truth), (placed, moved) = truths, cells
    source = placed.get(link.source)
    where = _address(source, 0)
    right = base[held[0]][held[1]]
    within = tolerance(outputs[held[0]], right) / 10
    setting = (
        f"with {where} held at {show(value, within)} instead of {show(right, within)}, "
        "every input as given"
    )
    wanted, found, passed = [], [], True
    for name, index in link.dependents:
        output = outputs[name]
        move = truth[name][index] - base[name][index]
        slack = max(tolerance(output, truth[name][index]), LINK_SLACK * abs(move))
        before = placed.get(name)
        after = None if isinstance(moved, str) else moved.get(name)
        cell = _address(before, index)
        wanted.append(f"{cell} {_signed(move, slack)}")
        got = _move_of(before, after, index)
        if got is None:
            passed = False
            found.append(f"{cell} {_unreadable(before, after, index)}")
            continue
        passed = passed and abs(got - move) <= slack
        found.append(f"{cell} {_signed(got, slack)}")
    more = "" if len(wanted) <= MAX_LISTED else f", ... ({len(wanted)} cells)"
    detail = f"{setting}; a move within half of the expected one passes"
    if isinstance(moved, str):
        detail += f"; {moved}"
    cells_named = ", ".join(item.split(" ")[0] for item in wanted[:MAX_LISTED])
    return Check(
        name=f"link: {where} ({outputs[held[0]].label}) feeds {cells_named}{more}",
        passed=passed,
        expected="moves of " + ", ".join(wanted[:MAX_LISTED]) + more,
        actual="moves of " + ", ".join(found[:MAX_LISTED]) + more,
        detail=detail,
        essential=True,
    )


def _address(got: dict[str, Any] | None, index: int) -> str:
    if got is None:
        return "(a name that no longer refers to cells)"
    return cell_name(got, index)


def _move_of(
    before: dict[str, Any] | None, after: dict[str, Any] | None, index: int
) -> float | None:
    """How far a cell moved, or None if it is not a number before and after."""
    if before is None or after is None:
        return None
    if index >= len(before["values"]) or index >= len(after["values"]):
        return None
    a, b = before["values"][index], after["values"][index]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    return float(b) - float(a) if numbers else None


def _unreadable(before: dict[str, Any] | None, after: dict[str, Any] | None, index: int) -> str:
    def one(got: dict[str, Any] | None) -> str:
        if got is None or index >= len(got["values"]):
            return "gone"
        return show(got["values"][index], 1e-6)

    return f"from {one(before)} to {one(after)} (not numbers)"


def _signed(move: float, within: float) -> str:
    text = readable_number(move, within / 10)
    return text if text.startswith("-") else f"+{text}"


def _gates(workbook: Workbook, scenario: Scenario, actual: dict[str, Any]) -> list[Check]:
    """No error values, none hidden, the structure, the task's own checks."""
    present = [s["name"] for s in workbook.call("sheets")]
    added = [name for name in present if name not in scenario.workbook.sheetnames]
    sheets = [*scenario.model_sheets, *added]
    errors = no_errors(workbook, sheets)
    gates = [errors.model_copy(update={"essential": True})]
    allowed = set()
    if scenario.coverage is not None:
        for name, index in scenario.coverage.allow_swallowing:
            got = actual.get(name)
            if got is not None:
                row, column = divmod(index, got["columns"])
                allowed.add((got["sheet"], got["first_row"] + row, got["first_column"] + column))
    gates.append(hidden_errors(workbook, [s for s in sheets if s in present], allowed))
    gates += [
        c.model_copy(update={"essential": True}) for c in structure_checks(workbook, scenario)
    ]
    if scenario.task_checks is not None:
        gates += scenario.task_checks(workbook)
    return gates
