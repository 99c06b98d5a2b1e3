"""The spreadsheet family: build or repair financial models in real ``.xlsx`` workbooks.

Each episode's workbook is generated from the task and seed (openpyxl), opened in the
formula engine (LibreOffice, kept running), and edited through tools; after every
write the view moves to the cells written and the result lists the recalculated values
that changed, as in a spreadsheet program. At ``submit`` the workbook is recalculated
and verified (``checks.py``).
"""

from __future__ import annotations

import json
import math
import re
from random import Random
from typing import Any, ClassVar

from pydantic import Field

from skillgym.envs.core.env import Policy, SkillGymEnv
from skillgym.envs.core.errors import RequestError
from skillgym.envs.core.generators import expect_type, generate_episode
from skillgym.envs.core.options import ResetOptions
from skillgym.envs.core.tasks import TaskSpec
from skillgym.envs.core.tools import ActionError, NoArgs, ToolArgs, tool
from skillgym.envs.core.verification import Verification
from skillgym.envs.spreadsheet.addresses import (
    MAX_ROWS,
    AddressError,
    Area,
    bounding_area,
    check_sheet_name,
    parse_area,
    parse_cell,
    quote_sheet,
    split_sheet,
)
from skillgym.envs.spreadsheet.cheats import strategies
from skillgym.envs.spreadsheet.checks import verify_workbook
from skillgym.envs.spreadsheet.coverage_checks import verify_covered
from skillgym.envs.spreadsheet.engine import (
    ChangeLost,
    EnginePool,
    EngineRequestError,
    Workbook,
    WorkLimitExceeded,
    WorkRefused,
    quarantine_pool,
)
from skillgym.envs.spreadsheet.formula_screen import FormulaError, screen_formula
from skillgym.envs.spreadsheet.grid import render_changes, render_read
from skillgym.envs.spreadsheet.heuristic import SpelledOutEquationsPolicy
from skillgym.envs.spreadsheet.scenario import Scenario
from skillgym.envs.spreadsheet.sensitivity import draw_changes

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_READ_CELLS = 5_000
MAX_WRITE_CELLS = 10_000
MODEL_ROWS = 10_000  # where a SkillGym workbook may be written: A1:ZZ10000
MODEL_COLUMNS = 702
VIEW_BUDGET = 6_000
RESULT_BUDGET = 4_000
NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]{0,254}$")
Content = str | float | int | bool | None


class ReadRangeArgs(ToolArgs):
    """Arguments of ``read_range``."""

    range: str = Field(description="Sheet and range, e.g. 'Model!A1:H40' or 'Inputs!B3'.")


class WriteCellsArgs(ToolArgs):
    """Arguments of ``write_cells``."""

    sheet: str = Field(description="The sheet to write on.")
    cells: dict[str, Content] = Field(
        description="Cell or range -> content. A string starting with '=' is a formula, written "
        "to a range it fills across it with relative references moving, as in Excel; "
        "null clears the cell. E.g. {'B2': 1200, 'C2:G2': '=B2*(1+Inputs!$B$3)'}.",
        min_length=1,
        max_length=2_000,
    )


class RowsArgs(ToolArgs):
    """Arguments of ``insert_rows`` and ``delete_rows``."""

    sheet: str
    row: int = Field(
        ge=1, le=MAX_ROWS, description="1-based row: insert before it / delete from it."
    )
    count: int = Field(default=1, ge=1, le=1_000)


class AddSheetArgs(ToolArgs):
    """Arguments of ``add_sheet``."""

    name: str
    position: int | None = Field(default=None, ge=0, description="0-based; default: last.")


class DefineNameArgs(ToolArgs):
    """Arguments of ``define_name``."""

    name: str = Field(description="e.g. 'WACC'.")
    refers_to: str = Field(description="e.g. 'Inputs!$B$4' or 'Model!$C$10:$G$10'.")


class NumberFormatArgs(ToolArgs):
    """Arguments of ``set_number_format``."""

    range: str = Field(description="e.g. 'Model!B2:G20'.")
    format: str = Field(description="Excel format code, e.g. '#,##0.00' or '0.0%'.", max_length=100)


class SpreadsheetEnv(SkillGymEnv):
    """Financial models in ``.xlsx`` workbooks, recalculated by a real formula engine.

    Example:
        >>> env = SpreadsheetEnv(task="spreadsheet/loan-amortization")  # doctest: +SKIP
        >>> obs, info = env.reset(seed=0)  # doctest: +SKIP
    """

    description = "Build or repair financial models in .xlsx workbooks, verified by recalculation."

    family: ClassVar[str] = "spreadsheet"
    observation_fields: ClassVar[tuple[str, ...]] = ("sheets", "result", "view")
    max_field_chars: ClassVar[int] = 16_000
    artifact_types: ClassVar[dict[str, str]] = {"workbook.xlsx": XLSX_MEDIA_TYPE}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._scenario: Scenario | None = None
        self._workbook: Workbook | None = None
        self._engines: EnginePool | None = None  # None: the process's shared engines
        self._result = ""
        self._view: tuple[str, str] | None = None

    # ---- the family's hooks -------------------------------------------------------
    def start_episode(self, spec: TaskSpec, rng: Random, options: ResetOptions) -> dict[str, Any]:
        """Generate the workbook with the task's ``generate.py`` and open it in the engine."""
        scenario = expect_type(generate_episode(spec, rng), Scenario, spec)
        if spec.verifier >= 2:
            scenario = scenario.covered()
        self._workbook = Workbook(scenario.xlsx_bytes(), pool=self._engines)
        self._scenario = scenario
        self._result = "Opened the workbook."
        first = scenario.first_view or f"{scenario.workbook.sheetnames[0]}!A1:H30"
        sheet, area = split_sheet(first)
        self._view = (sheet or scenario.workbook.sheetnames[0], area)
        return scenario.variables

    def observe(self) -> dict[str, str]:
        """The sheets and names, the last tool's result, and the range last looked at."""
        if self._workbook is None:
            return {"sheets": "", "result": self._result, "view": ""}
        sheets = self._call("sheets")  # once per observation: both fields need it
        return {
            "sheets": self._sheets_text(sheets),
            "result": self._result,
            "view": self._view_text(sheets),
        }

    def verify(self) -> Verification:
        """Recalculate and check outputs, formulas, sensitivity, errors and structure.

        From verifier 2 on, every row the task asks for, its links, every input moved (the
        changes drawn for this episode from a generator of its own) and hidden errors too.
        """
        assert self._workbook is not None and self._scenario is not None
        episode = self.episode
        assert episode is not None
        if episode.spec.verifier < 2:
            verification = verify_workbook(self._workbook, self._scenario)
        else:
            if self._scenario.coverage is not None:
                own = Random(f"{episode.spec.ref}|{episode.seed}|sensitivity")
                self._scenario.perturbations = draw_changes(self._scenario, own)
            verification = verify_covered(self._workbook, self._scenario)
        self._result = (
            "Submitted." if self.episode and self.episode.submitted else "Step limit reached."
        )
        return verification

    def oracle(self) -> Policy:
        """Write the scenario's model with formulas, then submit."""
        assert self._scenario is not None
        plan = iter(self._scenario.solution_actions())
        submit = json.dumps({"tool": "submit", "args": {}})
        return lambda _observation: next(plan, submit)

    def heuristic(self) -> Policy:
        """Write the equations the instruction spells out, then submit (``heuristic.py``)."""
        return SpelledOutEquationsPolicy()

    def cheats(self) -> dict[str, Policy]:
        """Policies that must score below 0.5 (``cheats.py``).

        Pasted constants, typed-in inputs, the named results alone, a hidden error, and
        the task's own shortcuts (the plug, closed forms).
        """
        assert self._scenario is not None
        return {
            name: _scripted([json.dumps(call) for call in calls])
            for name, calls in strategies(self._scenario).items()
        }

    def artifact(self, name: str) -> bytes:
        """``workbook.xlsx``: the episode's workbook as it is now."""
        if name not in self.artifact_types:
            raise RequestError(
                f"Unknown artifact {name!r}; expects one of {sorted(self.artifact_types)}."
            )
        if self._workbook is None:
            raise RequestError("No workbook yet: reset the environment first.")
        return self._workbook.to_bytes()

    def end_episode(self) -> None:
        """Close the episode's workbook in the engine."""
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    # ---- tools --------------------------------------------------------------------
    @tool("list_sheets", "List the sheets with their used ranges, and the defined names.", NoArgs)
    def _list_sheets(self, _args: NoArgs) -> None:
        self._result = self._sheets_text()

    @tool(
        "read_range",
        "Show a range's contents and values (formulas as '=...' -> value) and make it the view.",
        ReadRangeArgs,
    )
    def _read_range(self, args: ReadRangeArgs) -> None:
        sheet, area = self._sheet_area(args.range)
        if area.size > MAX_READ_CELLS:
            raise ActionError(
                f"Expects a range of at most {MAX_READ_CELLS:,} cells, actual size: {area.size:,} "
                f"({area.rows:,} rows x {area.columns:,} columns); read it in parts."
            )
        self._view = (sheet, area.a1)
        self._result = f"Showing {sheet}!{area.a1} in the view."

    @tool(
        "write_cells",
        "Write values or formulas into cells of one sheet; the view moves to the cells written, "
        "and the result lists every recalculated value that changed.",
        WriteCellsArgs,
    )
    def _write_cells(self, args: WriteCellsArgs) -> None:
        sheets = self._sheet_names()
        sheet = self._existing_sheet(args.sheet, sheets)
        total = 0
        cells: list[list[Any]] = []
        areas: list[Area] = []
        for target, content in args.cells.items():
            try:
                area = parse_area(target)
            except AddressError as exc:
                raise ActionError(f"{exc} (in write_cells on {sheet})") from None
            areas.append(area)
            if area.last_row >= MODEL_ROWS or area.last_column >= MODEL_COLUMNS:
                raise ActionError(
                    f"Cannot write {target}: SkillGym workbooks are written within A1:ZZ{MODEL_ROWS} "
                    f"({MODEL_ROWS:,} rows, {MODEL_COLUMNS} columns). Nothing was written."
                )
            total += area.size
            if total > MAX_WRITE_CELLS:
                raise ActionError(
                    f"Expects at most {MAX_WRITE_CELLS:,} cells per write_cells call; "
                    f"this one covers more. Nothing was written."
                )
            if isinstance(content, str) and content.startswith("="):
                try:
                    screen_formula(content, sheets)
                except FormulaError as exc:
                    raise ActionError(f"{exc} Nothing was written.") from None
            elif isinstance(content, str) and len(content) > 32_767:
                raise ActionError(
                    "Expects text of at most 32,767 characters per cell. Nothing was written."
                )
            elif isinstance(content, (int, float)) and not _finite(content):
                raise ActionError(
                    f"Expects finite numbers within +/-1.8e308 (a cell holds a 64-bit float), "
                    f"actual value in {target}: {_short(content)}. Nothing was written."
                )
            cells.append([area.a1, content])
        reply = self._call("write", sheet=sheet, cells=cells)
        # The view follows the write, so the agent sees what it wrote and what it computed.
        self._view = (sheet, _readable_part(bounding_area(areas)).a1)
        lines = [f"Wrote {len(cells)} entr{'y' if len(cells) == 1 else 'ies'} on {sheet}."]
        for refused in reply["refused"]:
            lines.append(
                f"Refused {refused['target']}: the formula has a syntax error "
                f"(engine code {refused['code']}); the cell keeps its old content."
            )
        lines.append(render_changes(reply["changed"], RESULT_BUDGET))
        self._result = "\n".join(lines)
        if reply["refused"]:
            targets = ", ".join(r["target"] for r in reply["refused"])
            raise ActionError(f"Syntax error in the formula for {targets}; it was not written.")

    @tool("insert_rows", "Insert empty rows before a row; formulas and names adjust.", RowsArgs)
    def _insert_rows(self, args: RowsArgs) -> None:
        found = self._sheet_info(args.sheet)
        sheet, last_used = found["name"], found["last_row"] + 1
        if args.row <= last_used and last_used + args.count > MODEL_ROWS:
            raise ActionError(
                f"Cannot insert {args.count} row(s) before row {args.row} on {sheet}: rows down to "
                f"{last_used:,} would move past row {MODEL_ROWS:,}, the last row SkillGym "
                "workbooks use. Nothing was inserted."
            )
        self._call("insert_rows", sheet=sheet, index=args.row - 1, count=args.count)
        self._result = f"Inserted {args.count} row(s) before row {args.row} on {sheet}."

    @tool("delete_rows", "Delete rows; formulas that referred to them show #REF!.", RowsArgs)
    def _delete_rows(self, args: RowsArgs) -> None:
        sheet = self._existing_sheet(args.sheet)
        self._call("delete_rows", sheet=sheet, index=args.row - 1, count=args.count)
        self._result = f"Deleted {args.count} row(s) from row {args.row} on {sheet}."

    @tool("add_sheet", "Add an empty sheet.", AddSheetArgs)
    def _add_sheet(self, args: AddSheetArgs) -> None:
        try:
            name = check_sheet_name(args.name)
        except AddressError as exc:
            raise ActionError(str(exc)) from None
        names = self._sheet_names()
        if name.lower() in (n.lower() for n in names):
            raise ActionError(f"A sheet named {name!r} exists already; sheets: {', '.join(names)}.")
        position = len(names) if args.position is None else min(args.position, len(names))
        self._call("add_sheet", name=name, position=position)
        self._result = f"Added sheet {name}."

    @tool("define_name", "Name a cell or range, e.g. WACC -> Inputs!$B$4.", DefineNameArgs)
    def _define_name(self, args: DefineNameArgs) -> None:
        if not NAME.match(args.name) or _looks_like_cell(args.name):
            raise ActionError(
                "Expects a name that starts with a letter or '_', holds letters, digits, '_' "
                f"or '.', and is not a cell address; actual value: {args.name!r}"
            )
        sheet, area = self._sheet_area(args.refers_to)
        self._call("define_name", name=args.name, refers_to=f"{quote_sheet(sheet)}!{area.absolute}")
        self._result = f"Defined {args.name} -> {quote_sheet(sheet)}!{area.absolute}."

    @tool(
        "set_number_format",
        "Set the number format of a range, e.g. '#,##0.00' or '0.0%'.",
        NumberFormatArgs,
    )
    def _set_number_format(self, args: NumberFormatArgs) -> None:
        sheet, area = self._sheet_area(args.range)
        self._call("set_number_format", sheet=sheet, area=area.a1, format=args.format)
        self._result = f"Formatted {sheet}!{area.a1} as {args.format!r}."

    # ---- internals ----------------------------------------------------------------
    def _call(self, op: str, **arguments: Any) -> Any:
        """An engine op for the agent, within the workbook's budgets (``work_limits.py``).

        A change refused for its cost is an action error; work past a time limit ends
        the episode here, verified on the workbook as it was before that call, and this
        environment's later episodes run on the quarantine engine, away from the others.
        """
        assert self._workbook is not None
        try:
            return self._workbook.change(op, **arguments)
        except WorkRefused as exc:
            raise ActionError(str(exc)) from None
        except EngineRequestError as exc:
            raise ActionError(f"The spreadsheet refused {op}: {exc}") from None
        except ChangeLost as exc:
            raise ActionError(exc.message) from None
        except WorkLimitExceeded as exc:
            self._engines = quarantine_pool()
            if self.episode is None or self.episode.done:
                raise
            self.abort_episode(exc.message)
            raise ActionError(exc.message) from None

    def _sheet_names(self) -> list[str]:
        return [s["name"] for s in self._call("sheets")]

    def _existing_sheet(self, name: str, names: list[str] | None = None) -> str:
        """``name`` if the workbook has that sheet (``names``: the sheets, if already read)."""
        names = self._sheet_names() if names is None else names
        if name not in names:
            raise ActionError(f"Unknown sheet {name!r}; sheets: {', '.join(names)}.")
        return name

    def _sheet_info(self, name: str) -> dict[str, Any]:
        """The sheet's entry (name, last used row and column); unknown sheets refused."""
        sheets = self._call("sheets")
        self._existing_sheet(name, [item["name"] for item in sheets])
        return next(item for item in sheets if item["name"] == name)

    def _sheet_area(self, text: str) -> tuple[str, Area]:
        try:
            sheet, area_text = split_sheet(text)
            if sheet is None:
                raise AddressError(
                    f"Expects a sheet and a range like 'Model!A1:H40', actual value: {text!r}"
                )
            area = parse_area(area_text)
        except AddressError as exc:
            raise ActionError(str(exc)) from None
        return self._existing_sheet(sheet), area

    def _sheets_text(self, sheets: list[dict[str, Any]] | None = None) -> str:
        lines = []
        for item in self._call("sheets") if sheets is None else sheets:
            used = Area(0, 0, item["last_row"], item["last_column"]).a1
            lines.append(f"{item['name']} (used A1:{used.split(':')[-1]})")
        names = self._call("names")
        if names:
            lines.append("Names: " + ", ".join(f"{n['name']} {n['refers_to']}" for n in names))
        return "\n".join(lines)

    def _view_text(self, sheets: list[dict[str, Any]]) -> str:
        """The view's cells, ending with where the rest of its sheet is when it shows part."""
        if self._view is None:
            return ""
        sheet, area = self._view
        found = next((item for item in sheets if item["name"] == sheet), None)
        if found is None:
            return f"(the sheet {sheet} no longer exists)"
        used = Area(0, 0, found["last_row"], found["last_column"])
        reply = self._call("read", sheet=sheet, area=area)
        return render_read(sheet, reply, VIEW_BUDGET, used=used)[0]


def _readable_part(area: Area) -> Area:
    """``area``, or its top rows that ``read_range`` would take (at most MAX_READ_CELLS cells)."""
    if area.size <= MAX_READ_CELLS:
        return area
    rows = max(1, MAX_READ_CELLS // area.columns)
    return Area(area.first_row, area.first_column, area.first_row + rows - 1, area.last_column)


def _finite(number: float | int) -> bool:
    try:
        return math.isfinite(float(number))
    except OverflowError:  # an int past the largest float
        return False


def _short(number: float | int) -> str:
    text = str(number)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text):,} digits)"


def _looks_like_cell(name: str) -> bool:
    try:
        parse_cell(name)
    except AddressError:
        return False
    return True


def _scripted(actions: list[str]) -> Policy:
    """A policy that plays ``actions`` in order, then submits."""
    plan = iter(actions)
    submit = json.dumps({"tool": "submit", "args": {}})
    return lambda _observation: next(plan, submit)


__all__ = ["XLSX_MEDIA_TYPE", "SpreadsheetEnv"]
