"""SkillGym's spreadsheet operations, run inside LibreOffice's own process.

``calc_worker.py`` installs this file as a Python macro of the LibreOffice profile it
starts and calls :func:`handle` through the script provider: one bridge call per
request, and every UNO call here is in-process (microseconds instead of the ~1 ms a
call across the bridge costs). Standard library and ``uno`` only: it runs in
LibreOffice's Python, not SkillGym's.

Requests and replies are JSON strings: ``{"op": "open", "path": "/tmp/x.xlsx"}`` ->
``{"ok": {"doc": 1}, "calc_seconds": 0.004}`` or ``{"error": {"type": ..., "message": ...}}``;
``calc_seconds`` is the time the request spent calculating formulas (a change's
dependents are all calculated before the reply, so its cost shows in its own
request). Formulas cross
this boundary in Excel's A1 grammar (``=SUM(Inputs!B2:B6)``, commas between
arguments); values are numbers, strings or None; formula errors are LibreOffice's
numeric codes, which the caller maps to Excel's names.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

FORMULA_RESULT_ERROR = 4  # com.sun.star.sheet.FormulaResult.ERROR
FORMULA_RESULT_STRING = 2
KEEP_FORMATS = 1 | 2 | 4 | 16  # CellFlags VALUE, DATETIME, STRING, FORMULA: contents, not formats
XL_A1 = 1  # com.sun.star.sheet.AddressConvention.XL_A1
XL_ENGLISH = 4  # com.sun.star.sheet.FormulaLanguage.XL_ENGLISH
ALL_EXCEPT_SPECIAL = 0x7FFFFFFF & ~0x40000000  # FormulaMapGroup.ALL_EXCEPT_SPECIAL
XLSX_FILTER = "Calc Office Open XML"
# com.sun.star.sheet.ReferenceFlags
COLUMN_RELATIVE, COLUMN_DELETED, ROW_RELATIVE, ROW_DELETED = 1, 2, 4, 8
DATE_FORMAT = 2  # com.sun.star.util.NumberFormat.DATE (also set in DATETIME)
EPOCH = datetime.date(1899, 12, 30)
PUSH_OPCODE = 0  # a constant or reference pushed on the formula's stack
# Sentinels: the sheet's last row, columns XFD (deleted references) and XFC (error constants).
SENTINEL_ROW, DELETED_SENTINEL_COLUMN, ERROR_SENTINEL_COLUMN = 1048575, 16383, 16382
SHEET_PREFIX = r"(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?"
DELETED_SENTINEL = re.compile(SHEET_PREFIX + r"\$XFD\$1048576(?::\$XFD\$1048576)?")
ERROR_SENTINEL = re.compile(SHEET_PREFIX + r"\$XFC\$1048576")
ERROR_CONSTANT = re.compile(r"(?<![\w.$])#(?:REF!|N/A|NAME\?|DIV/0!|VALUE!|NUM!|NULL!)")
STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
# Codes LibreOffice's compiler gives a formula it cannot parse (formula/errorcodes.hxx:
# illegal character, separator, missing pair/bracket/operator/variable/parameter,
# overflow, unknown token). Runtime errors (#NUM! 502/503, #VALUE! 519, #REF! 524...)
# are not among them: ``=SQRT(-1)`` is a formula that shows #NUM!, not a typo.
SYNTAX_ERRORS = frozenset({501, 506, 507, 508, 509, 510, 511, 512, 516, 517, 518, 520})
SNAPSHOT_LIMIT = 250_000  # cells per sheet; a bigger used area is not diffed
FILL_DOWN = uno.Enum("com.sun.star.sheet.FillDirection", "TO_BOTTOM")
FILL_RIGHT = uno.Enum("com.sun.star.sheet.FillDirection", "TO_RIGHT")

DOCUMENTS: dict[int, Document] = {}
COUNTER = [0]
CALC_SECONDS = [0.0]  # of the current request: time spent calculating formulas


def _calculate(model: Any, everything: bool = False) -> None:
    """Calculate the dirty formulas (``everything``: all formulas), timed for the reply."""
    started = time.perf_counter()
    try:
        if everything:
            model.calculateAll()
        else:
            model.calculate()
    finally:
        CALC_SECONDS[0] += time.perf_counter() - started


def _saved(cell: Any) -> tuple[Any, str, Any]:
    """What a cell holds, exactly: formula tokens, a number to the last bit, or text."""
    kind = cell.getType().value
    if kind == "FORMULA":
        return cell, kind, cell.getTokens()
    if kind == "VALUE":
        return cell, kind, cell.getValue()
    return cell, kind, cell.getString()


def _restore(saved: tuple[Any, str, Any]) -> None:
    cell, kind, content = saved
    if kind == "FORMULA":
        cell.setTokens(content)
    elif kind == "VALUE":
        cell.setValue(content)
    elif kind == "TEXT":
        cell.setString(content)
    else:
        cell.clearContents(KEEP_FORMATS)


def _point_at(ref: Any, column: int) -> None:
    ref.Flags &= ~(COLUMN_DELETED | ROW_DELETED | COLUMN_RELATIVE | ROW_RELATIVE)
    ref.Column, ref.Row = column, SENTINEL_ROW


def _with_sentinels(token: Any) -> tuple[Any, bool]:
    """The token with deleted references and error constants made sentinels; whether any was."""
    data = token.Data
    kind = getattr(data, "typeName", "") or type(data).__name__
    if token.OpCode == PUSH_OPCODE and data is None:  # an error constant, its code lost
        sentinel = uno.createUnoStruct("com.sun.star.sheet.SingleReference")
        _point_at(sentinel, ERROR_SENTINEL_COLUMN)
        token.Data = sentinel
        return token, True
    if "SingleReference" in kind and data.Flags & (COLUMN_DELETED | ROW_DELETED):
        _point_at(data, DELETED_SENTINEL_COLUMN)
        token.Data = data
        return token, True
    if "ComplexReference" in kind:
        first, second = data.Reference1, data.Reference2
        if (first.Flags | second.Flags) & (COLUMN_DELETED | ROW_DELETED):
            _point_at(first, DELETED_SENTINEL_COLUMN)
            _point_at(second, DELETED_SENTINEL_COLUMN)
            data.Reference1, data.Reference2 = first, second
            token.Data = data
            return token, True
    return token, False


def _iso_date(serial: float) -> str:
    """A day number as ``yyyy-mm-dd`` (serial 0 is 1899-12-30, as in Excel and Calc)."""
    if not -693_593 <= serial <= 2_958_465:  # outside years 1-9999
        return "not a date"
    return (EPOCH + datetime.timedelta(days=math.floor(serial))).isoformat()


def _at(grid: list[list[Any]], row: int, column: int) -> Any:
    """A snapshot's shown value, "" (empty) outside its area."""
    return grid[row][column] if row < len(grid) and column < len(grid[row]) else ""


def _prop(name: str, value: Any) -> PropertyValue:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


class Document:
    """One open workbook and the Excel-grammar formula parser bound to it."""

    def __init__(self, model: Any) -> None:
        self.model = model
        mapper = model.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
        opcodes = mapper.getAvailableMappings(XL_ENGLISH, ALL_EXCEPT_SPECIAL)
        self.parser = model.createInstance("com.sun.star.sheet.FormulaParser")
        self.parser.setPropertyValue("CompileEnglish", True)
        self.parser.setPropertyValue("FormulaConvention", XL_A1)
        uno.invoke(
            self.parser,
            "setPropertyValue",
            ("OpCodeMap", uno.Any("[]com.sun.star.sheet.FormulaOpCodeMapEntry", tuple(opcodes))),
        )
        # A parser with Calc's own grammar, for named-range contents.
        self.calc_parser = model.createInstance("com.sun.star.sheet.FormulaParser")
        self.last_snapshot: dict[str, list[list[Any]]] | None = None
        self.excel_of_api: dict[str, str] = {}
        self.date_formats: dict[int, bool] = {}

    def sheet(self, name: str) -> Any:
        """The sheet called ``name``."""
        sheets = self.model.Sheets
        if not sheets.hasByName(name):
            raise KeyError(f"no sheet {name!r}")
        return sheets.getByName(name)

    def formula_of(self, cell: Any) -> str:
        """A formula cell's formula in Excel's grammar, with #REF! where Excel shows it.

        UNO's token conversion drops two things the printer needs: the "deleted" flag of
        a reference whose row went (it would print the cell the reference slid onto,
        ``=J1*2`` for a deleted ``J2``) and the code of an error constant (``=C2-#REF!``
        would print as ``=C2-``). Such tokens are pointed at sentinel cells, printed,
        and the sentinels replaced: deleted references by ``#REF!``, error constants by
        the constants Calc's own text of the formula holds, in order.
        """
        tokens, marked = [], False
        for token in cell.getTokens():
            token, changed = _with_sentinels(token)
            tokens.append(token)
            marked = marked or changed
        text = "=" + self.parser.printFormula(tuple(tokens), cell.getCellAddress())
        if not marked:
            return text
        text = DELETED_SENTINEL.sub("#REF!", text)
        constants = iter(ERROR_CONSTANT.findall(STRING_LITERAL.sub('""', cell.getFormula())))
        return ERROR_SENTINEL.sub(lambda _match: next(constants, "#REF!"), text)

    @staticmethod
    def value_of(cell: Any) -> Any:
        """A cell's shown value: a number, a string, None (empty), or ``["#", code]``."""
        kind = cell.getType().value
        if kind == "EMPTY":
            return None
        if kind == "FORMULA":
            code = cell.getError()
            if code:
                return ["#", code]
            if cell.FormulaResultType2 == FORMULA_RESULT_STRING:
                return cell.getString()
            return cell.getValue()
        if kind == "TEXT":
            return cell.getString()
        return cell.getValue()

    # ---- reading ----------------------------------------------------------------
    def read(self, sheet_name: str, area: str) -> dict[str, Any]:
        """Contents (formula or constant) and shown values of a range, row by row."""
        cells = self.sheet(sheet_name).getCellRangeByName(area)
        contents = cells.getFormulaArray()
        values = [list(row) for row in cells.getDataArray()]
        self._mark_errors(cells, values)
        rows = []
        for r, row in enumerate(contents):
            out: list[Any] = []
            for c, text in enumerate(row):
                if text == "":
                    out.append(None)
                elif text.startswith("="):
                    out.append([self._excel_formula(cells, r, c, text), values[r][c]])
                else:
                    out.append([text, values[r][c]])
            rows.append(out)
        self._mark_dates(cells, rows)
        base = cells.getRangeAddress()
        return {"first_row": base.StartRow, "first_column": base.StartColumn, "cells": rows}

    def _mark_dates(self, cells: Any, rows: list[list[Any]]) -> None:
        """Add the date (``yyyy-mm-dd``) to each number shown in a date format, as a person sees it."""
        origin = cells.getRangeAddress()
        for block in cells.getCellFormatRanges():
            if not self._is_date_format(block.NumberFormat):
                continue
            address = block.getRangeAddress()
            for row in range(address.StartRow, address.EndRow + 1):
                for col in range(address.StartColumn, address.EndColumn + 1):
                    item = rows[row - origin.StartRow][col - origin.StartColumn]
                    if item is not None and isinstance(item[1], float):
                        item.append(_iso_date(item[1]))

    def _is_date_format(self, key: int) -> bool:
        if key not in self.date_formats:
            kind = self.model.NumberFormats.getByKey(key).Type
            self.date_formats[key] = bool(kind & DATE_FORMAT)
        return self.date_formats[key]

    def _excel_formula(self, cells: Any, row: int, column: int, api_text: str) -> str:
        # Calc's own text of a formula names cells in A1 just as Excel's does, so its
        # Excel form does not depend on where it stands: convert each text once.
        excel = self.excel_of_api.get(api_text)
        if excel is None:
            excel = self.formula_of(cells.getCellByPosition(column, row))
            self.excel_of_api[api_text] = excel
        return excel

    @staticmethod
    def _mark_errors(cells: Any, grid: list[list[Any]]) -> None:
        """Replace the shown value of every formula cell in error by ``["#", code]``."""
        origin = cells.getRangeAddress()
        for block in cells.queryFormulaCells(FORMULA_RESULT_ERROR).getRangeAddresses():
            for row in range(block.StartRow, block.EndRow + 1):
                for col in range(block.StartColumn, block.EndColumn + 1):
                    cell = cells.getCellByPosition(col - origin.StartColumn, row - origin.StartRow)
                    grid[row - origin.StartRow][col - origin.StartColumn] = ["#", cell.getError()]

    def used_area(self, sheet: Any) -> tuple[int, int]:
        """The last used row and column (0-based) of a sheet."""
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        return end.EndRow, end.EndColumn

    def snapshot(self) -> dict[str, list[list[Any]]]:
        """Every sheet's used area as shown values."""
        shot: dict[str, list[list[Any]]] = {}
        for name in self.model.Sheets.getElementNames():
            sheet = self.model.Sheets.getByName(name)
            last_row, last_column = self.used_area(sheet)
            if (last_row + 1) * (last_column + 1) > SNAPSHOT_LIMIT:
                shot[name] = [["(too large to compare)"]]
                continue
            cells = sheet.getCellRangeByPosition(0, 0, last_column, last_row)
            grid = [list(row) for row in cells.getDataArray()]
            self._mark_errors(cells, grid)
            shot[name] = grid
        return shot

    def error_cells(self, sheet_name: str, limit: int) -> list[list[int]]:
        """``[row, column, code]`` of up to ``limit`` formula cells showing an error."""
        sheet = self.sheet(sheet_name)
        last_row, last_column = self.used_area(sheet)
        cells = sheet.getCellRangeByPosition(0, 0, last_column, last_row)
        found: list[list[int]] = []
        for block in cells.queryFormulaCells(FORMULA_RESULT_ERROR).getRangeAddresses():
            for row in range(block.StartRow, block.EndRow + 1):
                for col in range(block.StartColumn, block.EndColumn + 1):
                    if len(found) >= limit:
                        return found
                    found.append([row, col, sheet.getCellByPosition(col, row).getError()])
        return found

    def changes(self) -> list[list[Any]]:
        """``[sheet, row, column, value]`` of every shown value that differs from the last call."""
        before, after = self.last_snapshot, self.snapshot()
        self.last_snapshot = after
        if before is None:
            return []
        changed = []
        for name, grid in after.items():
            old = before.get(name, [])
            # A cleared cell at the edge shrinks the used area: compare over both areas.
            height = max(len(grid), len(old))
            width = max(len(grid[0]) if grid else 0, len(old[0]) if old else 0)
            for r in range(height):
                for c in range(width):
                    value = _at(grid, r, c)
                    if value != _at(old, r, c):
                        changed.append([name, r, c, value])
        return changed

    def sheets(self) -> list[dict[str, Any]]:
        """Every sheet with its last used row and column."""
        result = []
        for name in self.model.Sheets.getElementNames():
            last_row, last_column = self.used_area(self.model.Sheets.getByName(name))
            result.append({"name": name, "last_row": last_row, "last_column": last_column})
        return result

    def names(self) -> list[dict[str, str]]:
        """Every defined name and what it refers to, in Excel's grammar."""
        named = self.model.NamedRanges
        result = []
        for name in named.getElementNames():
            item = named.getByName(name)
            text = self.parser.printFormula(item.getTokens(), item.getReferencePosition())
            result.append({"name": name, "refers_to": "=" + text})
        return result

    def named_cells(self, names: list[str]) -> dict[str, Any]:
        """For each name: where its cells are, their values and whether each is a formula.

        A name whose cells are gone gives None. ``first_row``, ``first_column`` (0-based)
        and ``columns`` place the values, which run row by row.
        """
        named = self.model.NamedRanges
        result: dict[str, Any] = {}
        for name in names:
            if not named.hasByName(name):
                result[name] = None
                continue
            try:
                cells = named.getByName(name).getReferredCells()
            except Exception:
                cells = None
            if cells is None:  # the name's cells were deleted: it refers to #REF!
                result[name] = None
                continue
            address = cells.getRangeAddress()
            values, formulas = [], []
            for r in range(address.EndRow - address.StartRow + 1):
                for c in range(address.EndColumn - address.StartColumn + 1):
                    cell = cells.getCellByPosition(c, r)
                    values.append(self.value_of(cell))
                    formulas.append(cell.getType().value == "FORMULA")
            result[name] = {
                "sheet": self.model.Sheets.getByIndex(address.Sheet).getName(),
                "first_row": address.StartRow,
                "first_column": address.StartColumn,
                "columns": address.EndColumn - address.StartColumn + 1,
                "values": values,
                "formulas": formulas,
            }
        return result

    # ---- writing ----------------------------------------------------------------
    def write(self, sheet_name: str, cells: list[list[Any]], report: bool = True) -> dict[str, Any]:
        """Set cells: ``[address or range, content]``; content starting with "=" is a formula.

        A formula written to a range is filled across it as Excel fills (relative
        references move with each cell). A formula LibreOffice cannot compile (error
        codes 501-512: a syntax error) is not kept: its cells get their old contents
        back, and the reply lists it. Every formula the change touches is recalculated
        before the reply; ``report=False`` (a replay) skips listing the changed values.
        """
        if report and self.last_snapshot is None:
            self.changes()
        sheet = self.sheet(sheet_name)
        refused = []
        for target, content in cells:
            block = sheet.getCellRangeByName(target)
            if isinstance(content, str) and content.startswith("="):
                code = self._fill_formula(block, content)
                if code:
                    refused.append({"target": target, "code": code})
            elif content is None:
                block.clearContents(KEEP_FORMATS)
            else:
                if isinstance(content, bool):
                    content = 1.0 if content else 0.0
                elif isinstance(content, (int, float)):
                    content = float(content)
                else:
                    content = str(content)  # text, never parsed: "1e3" stays text
                address = block.getRangeAddress()
                row = (content,) * (address.EndColumn - address.StartColumn + 1)
                block.setDataArray((row,) * (address.EndRow - address.StartRow + 1))
        _calculate(self.model)
        if not report:
            self.last_snapshot = None
            return {"refused": refused, "changed": []}
        return {"refused": refused, "changed": self.changes()}

    def _fill_formula(self, block: Any, formula: str) -> int:
        """Fill ``block`` with ``formula`` as Excel fills; a syntax error's code, or 0.

        A syntax error does not depend on where the formula stands, so the first cell
        is tried alone. The rest is filled by LibreOffice's own fill, one block of
        uniform formatting at a time (a fill copies its first cell's formats, so the
        cells keep theirs): setting cells one by one costs time that grows with the
        square of their number (10,000 cells: over 20 s, against 0.03 s).
        """
        first = block.getCellByPosition(0, 0)
        tokens = self.parser.parseFormula(formula, first.getCellAddress())
        saved = _saved(first)
        first.setTokens(tokens)
        started = time.perf_counter()
        code = first.getError()  # calculates the cell
        CALC_SECONDS[0] += time.perf_counter() - started
        if code in SYNTAX_ERRORS:
            _restore(saved)
            return code
        for part in block.getCellFormatRanges():
            address = part.getRangeAddress()
            part.getCellByPosition(0, 0).setTokens(tokens)
            if address.EndColumn > address.StartColumn:
                width = address.EndColumn - address.StartColumn
                part.getCellRangeByPosition(0, 0, width, 0).fillAuto(FILL_RIGHT, 1)
            if address.EndRow > address.StartRow:
                part.fillAuto(FILL_DOWN, 1)
        return 0

    def define_name(self, name: str, refers_to: str) -> None:
        """Name a reference given in Excel's grammar (``Inputs!$B$2``)."""
        origin = self.model.Sheets.getByIndex(0).getCellByPosition(0, 0).getCellAddress()
        tokens = self.parser.parseFormula(refers_to, origin)
        content = self.calc_parser.printFormula(tokens, origin)
        named = self.model.NamedRanges
        if named.hasByName(name):
            named.removeByName(name)
        named.addNewByName(name, content, origin, 0)
        _calculate(self.model)

    def set_number_format(self, sheet_name: str, area: str, code: str) -> None:
        """Give a range a number format (a format code as Excel writes it)."""
        formats = self.model.NumberFormats
        locale = uno.createUnoStruct("com.sun.star.lang.Locale")
        locale.Language, locale.Country = "en", "US"
        key = formats.queryKey(code, locale, False)
        if key == -1:
            try:
                key = formats.addNew(code, locale)
            except Exception:
                raise ValueError(
                    f"{code!r} is not a number format code LibreOffice can read "
                    "(e.g. '#,##0.00', '0.0%', '$#,##0;($#,##0)', 'yyyy-mm-dd')"
                ) from None
        self.sheet(sheet_name).getCellRangeByName(area).NumberFormat = key

    def evaluate_with(self, changes: dict[str, float], names: list[str]) -> dict[str, Any]:
        """Set named input cells, recalculate everything, read named outputs, restore inputs."""
        named = self.model.NamedRanges
        saved = []
        for name, value in changes.items():
            cell = named.getByName(name).getReferredCells().getCellByPosition(0, 0)
            saved.append(_saved(cell))
            cell.setValue(float(value))
        try:
            _calculate(self.model, everything=True)
            return self.named_cells(names)
        finally:
            for item in saved:
                _restore(item)
            _calculate(self.model, everything=True)
            self.last_snapshot = None


def _open(path: str) -> dict[str, int]:
    desktop = XSCRIPTCONTEXT.getDesktop()  # type: ignore[name-defined]  # noqa: F821
    model = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(path),
        "_blank",
        0,
        (
            _prop("Hidden", True),
            _prop("MacroExecutionMode", 0),  # never run a document's macros
            _prop("UpdateDocMode", 0),  # never update links
        ),
    )
    if model is None:
        raise ValueError(f"LibreOffice could not load {path}")
    _calculate(model, everything=True)  # never trust cached values in a file
    COUNTER[0] += 1
    DOCUMENTS[COUNTER[0]] = Document(model)
    return {"doc": COUNTER[0]}


def _dispatch(request: dict[str, Any]) -> Any:
    op = request["op"]
    if op == "open":
        return _open(str(request["path"]))
    if op == "ping":
        return {"documents": len(DOCUMENTS)}
    number = request["doc"]
    if number not in DOCUMENTS:
        raise KeyError(f"no open document {number}")
    doc = DOCUMENTS[number]  # type: ignore[index]
    if op == "close":
        del DOCUMENTS[number]  # type: ignore[arg-type]
        doc.model.close(True)
        return None
    if op == "save":
        doc.model.storeToURL(
            uno.systemPathToFileUrl(str(request["path"])), (_prop("FilterName", XLSX_FILTER),)
        )
        return None
    if op == "recalculate":
        _calculate(doc.model, everything=True)
        doc.last_snapshot = None
        return None
    if op == "add_sheet":
        doc.model.Sheets.insertNewByName(request["name"], request["position"])
        _calculate(doc.model)  # a formula naming the new sheet now finds it
        return None
    if op in ("insert_rows", "delete_rows"):
        rows = doc.sheet(request["sheet"]).Rows
        move = rows.insertByIndex if op == "insert_rows" else rows.removeByIndex
        move(request["index"], request["count"])
        _calculate(doc.model)  # what moved is recalculated within this request
        doc.last_snapshot = None  # positions moved: a diff would be noise
        return None
    handlers = {
        "read": lambda: doc.read(request["sheet"], request["area"]),
        "sheets": doc.sheets,
        "names": doc.names,
        "named_cells": lambda: doc.named_cells(request["names"]),
        "error_cells": lambda: doc.error_cells(request["sheet"], request["limit"]),
        "write": lambda: doc.write(request["sheet"], request["cells"], request.get("report", True)),
        "define_name": lambda: doc.define_name(request["name"], request["refers_to"]),
        "set_number_format": lambda: doc.set_number_format(
            request["sheet"], request["area"], request["format"]
        ),
        "evaluate_with": lambda: doc.evaluate_with(request["changes"], request["names"]),
    }
    if op not in handlers:
        raise KeyError(f"unknown op {op!r}")
    return handlers[op]()


def handle(request: str) -> str:
    """Answer one JSON request with one JSON reply; every failure is answered, not raised."""
    CALC_SECONDS[0] = 0.0
    try:
        reply: dict[str, Any] = {"ok": _dispatch(json.loads(request))}
        reply["calc_seconds"] = CALC_SECONDS[0]
    except Exception as exc:  # the caller decides what a failure means
        # UNO exceptions carry their text in .Message, and it is often empty.
        message = str(exc).strip() or str(getattr(exc, "Message", "")).strip()
        kind = type(exc).__name__
        reply = {"error": {"type": kind, "message": message or f"{kind} (no reason given)"}}
    return json.dumps(reply)


g_exportedScripts = (handle,)
