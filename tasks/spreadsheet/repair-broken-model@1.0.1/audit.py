"""The audit of a repair (verifier 2): inputs and layout as given, each bug fixed in place.

:class:`Audit` is the repair task's ``Scenario.task_checks``; :func:`cheat_calls` holds
the strategies it exists for (rewriting the outputs around the bugs, fixing through the
Inputs sheet, inserting rows), which the family's cheats play.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from typing import Any, TypeGuard

from skillgym.envs.core.verification import Check
from skillgym.envs.spreadsheet.addresses import Area, Cell, parse_cell
from skillgym.envs.spreadsheet.engine import Workbook as EngineWorkbook
from skillgym.envs.spreadsheet.grid import error_name, is_error, readable_number, shorten
from skillgym.envs.spreadsheet.scenario import Scenario, write_call

from .generate import (
    COLUMNS,
    EBITDA_ROW,
    INPUTS,
    LABELS,
    PERCENT_ROWS,
    RIGHT,
    TOTALS,
    model_cells,
    right_formula,
)

MODEL_AREA = "A1:G19"
MODEL_CELLS = ("B2", *(f"{c}{r}" for r in RIGHT for c in COLUMNS), *TOTALS)
OUTPUT_CELLS = (*(f"{c}{r}" for r in (EBITDA_ROW, 16) for c in COLUMNS), *TOTALS)
OUTPUT_NAMES = {
    "Ebitda": "Model!$C$9:$G$9",
    "NetIncome": "Model!$C$16:$G$16",
    "TotalEbitda": "Model!$C$18",
    "TotalNetIncome": "Model!$C$19",
}
INPUTS_READ = Area(0, 0, 199, 51)  # A1:AZ200: where the Inputs sheet is read for stray cells
LISTED = 5  # problems a check names before "and N more"
Content = tuple[Any, Any]  # a cell as ``read`` gives it: (formula or constant as text, shown value)


def is_number(value: Any) -> TypeGuard[float]:
    """Whether a shown value is a number (not text, an error or empty)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def near(expected: float, found: Any) -> bool:
    """Whether a shown value is a number within the outputs' tolerance of ``expected``."""
    return is_number(found) and abs(found - expected) <= max(1e-6, 1e-6 * abs(expected))


def number(value: Any) -> str:
    """A shown value as the view shows it, numbers to the outputs' tolerance."""
    if is_error(value):
        return error_name(int(value[1]))
    if is_number(value):
        return readable_number(value, max(1e-6, 1e-6 * abs(value)))
    return "empty" if value is None else f'"{shorten(str(value))}"'


def holding(where: str, content: Content | None) -> str:
    """``Model!D16 holds =D14+D15 -> 50.3``, ``Inputs!C4 holds the number 0.4``, ``... is empty``."""
    if content is None:
        return f"{where} is empty"
    text, value = content
    if str(text).startswith("="):
        return f"{where} holds {shorten(str(text))} -> {number(value)}"
    return f"{where} holds the {'text' if isinstance(value, str) else 'number'} {number(value)}"


def listed(problems: list[str]) -> str:
    """The first problems, and how many more."""
    more = len(problems) - LISTED
    return "; ".join(problems[:LISTED]) + (f"; and {more} more" if more > 0 else "")


def read_cells(workbook: EngineWorkbook, sheet: str, area: str) -> dict[str, Content]:
    """Every non-empty cell of ``sheet!area`` by address: its text and shown value."""
    reply = workbook.call("read", sheet=sheet, area=area)
    return {
        Cell(reply["first_row"] + r, reply["first_column"] + c).a1: (item[0], item[1])
        for r, row in enumerate(reply["cells"])
        for c, item in enumerate(row)
        if item is not None
    }


def as_given(given: Any, now: Content | None) -> bool:
    """Whether a cell holds the constant it was generated with (None: empty), not a formula."""
    if given is None or now is None:
        return given is None and now is None
    if str(now[0]).startswith("="):
        return False
    if isinstance(given, str):
        return now[1] == given
    return isinstance(now[1], float) and abs(now[1] - given) <= 1e-9 * max(1.0, abs(given))


def layout_check(workbook: EngineWorkbook, sheets: set[str], names: Mapping[str, str]) -> Check:
    """The Model sheet's labels and years, and the output names, where they were."""
    problems = [] if "Model" in sheets else ["there is no sheet named Model"]
    found = read_cells(workbook, "Model", MODEL_AREA) if "Model" in sheets else {}
    given: dict[str, Any] = {f"A{row}": label for row, label in LABELS.items()}
    given.update({f"{column}1": float(year) for year, column in enumerate("B" + COLUMNS)})
    for cell, was in given.items() if "Model" in sheets else ():
        now = found.get(cell)
        if now is None or now[1] != was:
            problems.append(f"{holding(f'Model!{cell}', now)} (was {number(was)})")
    for name, refers_to in OUTPUT_NAMES.items():
        target = names.get(name.lower(), "")
        if target.lower() != f"={refers_to}".lower():
            problems.append(f"the name {name} refers to {target or 'nothing'} (was {refers_to})")
    return Check(
        name="layout as given",
        passed=not problems,
        essential=True,
        expected=(
            "no inserted, deleted or moved rows or columns on Model: the labels in A1:A19 where "
            "they were (A9 EBITDA, A16 Net income, A19 5-year net income ...), years 0-5 in "
            "B1:G1, and the names Ebitda, NetIncome, TotalEbitda and TotalNetIncome on "
            "Model!C9:G9, C16:G16, C18 and C19"
        ),
        actual=listed(problems) or "as given",
    )


@dataclass(frozen=True)
class Readings:
    """The model's cells on a copy of the agent's workbook, as given and with things changed.

    ``base``: as given; ``moved[i]``: values after sensitivity change ``i``; ``reference``:
    values with the inputs as generated; ``bumped[j]``: values with bug ``j``'s cells
    typed over with other numbers (``Audit.bump``).
    """

    base: dict[str, Content]
    moved: list[dict[str, Any]]
    reference: dict[str, Any]
    bumped: list[dict[str, Any]]


@dataclass(frozen=True)
class Audit:
    """The repair task's own checks, each essential: a repair that fails one is not done.

    The Inputs sheet exactly as generated (names included); the layout as generated
    (labels, years, output names); each planted bug fixed in its own cells (formulas
    right as given and under every sensitivity change, followed by the checked
    outputs); and every other cell of the model still right.
    """

    inputs: dict[str, float]
    perturbations: list[dict[str, float]]
    inputs_sheet: dict[str, Any]
    bugs: list[tuple[str, ...]]

    def __call__(self, workbook: EngineWorkbook) -> list[Check]:
        """The checks of the recalculated ``workbook``."""
        sheets = {item["name"]: item for item in workbook.call("sheets")}
        names = {n["name"].lower(): n["refers_to"] for n in workbook.call("names")}
        layout = layout_check(workbook, set(sheets), names)
        readings = self.read(workbook) if layout.passed and "Inputs" in sheets else None
        unjudged = "not judged: the layout or a sheet moved (see the layout and Inputs checks)"
        planted = {cell for bug in self.bugs for cell in bug}
        rest = [cell for cell in MODEL_CELLS if cell not in planted]
        rest_problems = [] if readings is None else self.cell_problems(rest, readings)
        return [
            self.inputs_check(workbook, sheets.get("Inputs"), names),
            layout,
            *(self.bug_check(index, readings, unjudged) for index in range(len(self.bugs))),
            Check(
                name="rest of the model right",
                passed=readings is not None and not rest_problems,
                essential=True,
                expected=(
                    f"the other {len(rest)} cells of B2, C2:G16 and C18:C19 formulas giving what "
                    "the instruction's formulas give, with the inputs as given and after each of "
                    f"the {len(self.perturbations)} sensitivity changes"
                ),
                actual=unjudged if readings is None else listed(rest_problems) or "all right",
            ),
        ]

    def inputs_check(
        self, workbook: EngineWorkbook, sheet: dict[str, Any] | None, names: Mapping[str, str]
    ) -> Check:
        """The Inputs sheet holds what it was given and nothing else; its names are in place."""
        problems = [] if sheet else ["there is no sheet named Inputs"]
        if sheet:
            used = Area(0, 0, sheet["last_row"], sheet["last_column"])
            last = Area(
                0,
                0,
                min(used.last_row, INPUTS_READ.last_row),
                min(used.last_column, INPUTS_READ.last_column),
            )
            found = read_cells(workbook, "Inputs", last.a1)
            for cell in sorted({*self.inputs_sheet, *found}, key=lambda a: astuple(parse_cell(a))):
                given, now = self.inputs_sheet.get(cell), found.get(cell)
                if not as_given(given, now):
                    problems.append(f"{holding(f'Inputs!{cell}', now)} (was {number(given)})")
            if used.size > last.size:
                problems.append(f"cells are used as far as Inputs!{used.a1.split(':')[-1]}")
        for name, _, row in INPUTS:
            target = names.get(name.lower(), "")
            if target.lower() != f"=inputs!$b${row}":
                problems.append(
                    f"the name {name} refers to {target or 'nothing'} (was Inputs!$B${row})"
                )
        return Check(
            name="Inputs sheet as given",
            passed=not problems,
            essential=True,
            expected=(
                "the Inputs sheet untouched: the labels in A1:A13 and the assumptions in B2:B13 "
                f"as given (B2 = {number(self.inputs['Revenue0'])} ... B13 = "
                f"{number(self.inputs['TaxRate'])}), nothing else on it, and the names "
                "Revenue0 ... TaxRate still on B2 ... B13"
            ),
            actual=listed(problems) or "as given",
        )

    def read(self, workbook: EngineWorkbook) -> Readings:
        """The model as given, under each change, and with each bug's cells typed over (on a copy)."""
        copy = EngineWorkbook(workbook.to_bytes())
        try:
            base = read_cells(copy, "Model", MODEL_AREA)
            moved = []
            for change in [*self.perturbations, {}]:  # {}: the generated inputs
                x = {**self.inputs, **change}
                cells = [[f"B{row}", x[name]] for name, _, row in INPUTS]
                copy.call("write", sheet="Inputs", cells=cells)
                moved.append({c: v for c, (_, v) in read_cells(copy, "Model", MODEL_AREA).items()})
            bumped = []
            for bug in self.bugs:
                copy.call("write", sheet="Model", cells=[[c, v] for c, v in self.bump(bug).items()])
                values = read_cells(copy, "Model", MODEL_AREA)
                bumped.append({c: v for c, (_, v) in values.items()})
                restore = [[c, _content(base.get(c))] for c in bug]
                copy.call("write", sheet="Model", cells=restore)
        finally:
            copy.close()
        return Readings(base, moved[:-1], moved[-1], bumped)

    def bump(self, bug: tuple[str, ...]) -> dict[str, float]:
        """Other numbers for a bug's cells: the right value plus a tenth of it (at least 1)."""
        right = model_cells(self.inputs)
        return {cell: right[cell] + max(1.0, abs(right[cell]) / 10) for cell in bug}

    def bug_check(self, index: int, readings: Readings | None, unjudged: str) -> Check:
        """Planted bug ``index`` is gone from its own cells, and the outputs follow them."""
        bug = self.bugs[index]
        row, right = int(bug[0][1:]), model_cells(self.inputs)
        where = f"Model!{bug[0]}" + (f":{bug[-1]}" if len(bug) > 1 else "")
        years = f"year {COLUMNS.index(bug[0][0]) + 1}" if len(bug) == 1 else "years 1-5"
        problem: str | None = unjudged
        if readings is not None:
            problems = self.cell_problems(list(bug), readings)
            problem = problems[0] if problems else self.follow_problem(index, readings)
            fixed = holding(f"Model!{bug[-1]}", readings.base.get(bug[-1]))
        example = right_formula(row, bug[0][0]) + (" filled across" if len(bug) > 1 else "")
        return Check(
            name=f"broken cells fixed in place: {where} ({LABELS[row]}, {years})",
            passed=problem is None,
            essential=True,
            expected=(
                f"{where} {'a formula' if len(bug) == 1 else 'formulas'} (such as {example}) "
                f"giving {', '.join(number(right[cell]) for cell in bug)} with the inputs as "
                f"given and the right values after each of the {len(self.perturbations)} "
                "sensitivity changes, with EBITDA and net income following "
                + ("it" if len(bug) == 1 else "them")
            ),
            actual=problem or f"fixed: {fixed}",
        )

    def cell_problems(self, cells: list[str], readings: Readings) -> list[str]:
        """What is wrong with each of ``cells``: not a formula, a wrong value, or not moving right."""
        right = model_cells(self.inputs)
        truths = [model_cells({**self.inputs, **change}) for change in self.perturbations]
        problems = []
        for cell in cells:
            content, where = readings.base.get(cell), f"Model!{cell}"
            if content is None or not str(content[0]).startswith("="):
                problems.append(f"{holding(where, content)}, not a formula")
                continue
            if not near(right[cell], content[1]):
                problems.append(f"{holding(where, content)}, expected {number(right[cell])}")
                continue
            for n, (truth, moved) in enumerate(zip(truths, readings.moved, strict=True), 1):
                if not near(truth[cell], moved.get(cell)):
                    problems.append(
                        f"{where} gives {number(moved.get(cell))} after sensitivity change {n} "
                        f"({self.describe(n - 1)}), expected {number(truth[cell])}"
                    )
                    break
        return problems

    def follow_problem(self, index: int, readings: Readings) -> str | None:
        """Whether the checked outputs move as they should when bug ``index``'s cells move."""
        bumped = self.bump(self.bugs[index])
        before, after = model_cells(self.inputs), model_cells(self.inputs, bumped)
        typed = ", ".join(f"Model!{cell} = {number(value)}" for cell, value in bumped.items())
        for cell in OUTPUT_CELLS:
            was, now = readings.reference.get(cell), readings.bumped[index].get(cell)
            want = after[cell] - before[cell]
            if not (is_number(was) and is_number(now) and near(want, now - was)):
                return (
                    f"with {typed} typed in, Model!{cell} went from {number(was)} to "
                    f"{number(now)} where it should move by {number(want)}: the checked "
                    "outputs do not follow the repaired cells"
                )
        return None

    def describe(self, index: int) -> str:
        """Sensitivity change ``index`` as ``Revenue0 151.3 -> 166.4, Growth 0.05 -> 0.07``."""
        change = self.perturbations[index]
        return ", ".join(f"{n} {number(self.inputs[n])} -> {number(v)}" for n, v in change.items())


def _content(item: Content | None) -> Any:
    """What to write to put back a cell ``read_cells`` gave (None: empty)."""
    if item is None:
        return None
    return item[0] if str(item[0]).startswith("=") else item[1]


# ---- strategies the instruction forbids, which verifier 1 paid in full
EBITDA_CLOSED = (
    "=Inputs!$B$2*(1+Inputs!$B$3)^C$1*(1-Inputs!$B$4-Inputs!$B$5-Inputs!$B$8)"
    "-Inputs!$B$6*(1+Inputs!$B$7)^(C$1-1)"
)
NET_INCOME_CLOSED = (
    "=(C9-Inputs!$B$2*(1+Inputs!$B$3)^C$1*Inputs!$B$9"
    "-(Inputs!$B$10-Inputs!$B$11*(C$1-1))*Inputs!$B$12)*(1-Inputs!$B$13)"
)
MODEL_REFERENCE = re.compile(r"(?<![!$A-Za-z])([A-G]\d+(?::[A-G]\d+)?)")
HELPER_COLUMN = "H"  # where the fix-through-Inputs strategy computes on the Inputs sheet


def cheat_calls(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Tool calls of the strategies a repair must not be paid for, by name.

    ``rewrite-around-bugs``: EBITDA and net income rewritten in closed form from the
    inputs, the bugs that show an error fixed, the others left; ``edit-inputs``: the
    bugs fixed through cells added to the Inputs sheet; ``insert-rows``: every bug
    fixed, then a row inserted above EBITDA. Submitting is the caller's.
    """
    fixes: dict[str, str] = scenario.solution[0]["args"]["cells"]
    broken = scenario.workbook["Model"]
    showing_errors = {c: f for c, f in fixes.items() if "#REF!" in str(broken[c].value)}
    closed = {f"C{EBITDA_ROW}:G{EBITDA_ROW}": EBITDA_CLOSED, "C16:G16": NET_INCOME_CLOSED}
    insert = {"tool": "insert_rows", "args": {"sheet": "Model", "row": EBITDA_ROW}}
    return {
        "rewrite-around-bugs": [write_call("Model", {**showing_errors, **closed})],
        "edit-inputs": fix_through_inputs(fixes),
        "insert-rows": [*scenario.solution, insert],
    }


def fix_through_inputs(fixes: Mapping[str, str]) -> list[dict[str, Any]]:
    """Fix every bug by editing the Inputs sheet.

    A drifting reference (a missing ``$``) finds the rate once the rate is copied along
    its Inputs row; any other broken cell reads its right formula from a helper cell in
    column H of Inputs.
    """
    inputs: dict[str, Any] = {}
    model: dict[str, Any] = {}
    rows = {int(cell[1:]) for cell in fixes}
    for row in sorted(rows):
        cells = sorted(cell for cell in fixes if int(cell[1:]) == row)
        if len(cells) == len(COLUMNS):  # the missing-dollar bug: one per row, across it
            input_row = PERCENT_ROWS[row][1]
            inputs[f"C{input_row}:F{input_row}"] = f"=$B${input_row}"
            continue
        for cell in cells:
            helper = f"{HELPER_COLUMN}{len(model) + 2}"
            inputs[helper] = MODEL_REFERENCE.sub(r"Model!\1", fixes[cell])
            model[cell] = f"=Inputs!${HELPER_COLUMN}${helper[1:]}"
    calls = [write_call("Inputs", inputs)]
    return calls + ([write_call("Model", model)] if model else [])
