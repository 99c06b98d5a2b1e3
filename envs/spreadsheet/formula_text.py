"""Formula text as Excel writes it: its cell references and its function calls.

Pure text work, no engine: the references of a formula (``C2``, ``$B$3``,
``Inputs!$B$4:$M$4``, ``'Cap Table'!B2``) found outside string literals, moved as a
fill moves them or replaced; and its function calls parsed into a tree with the span
of each argument, so a call can be rewritten around its arguments. The verifier's
error-swallowing check and the family's cheats build on these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from skillgym.envs.spreadsheet.addresses import column_index, column_letters

STRING = re.compile(r'"(?:[^"]|"")*"')
SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!"
CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}"
REFERENCE = re.compile(
    rf"(?<![A-Za-z0-9_.$'!])(?P<sheet>{SHEET})?(?P<first>{CELL})(?::(?P<last>{CELL}))?"
    r"(?![A-Za-z0-9_.(!])"
)
CELL_PARTS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
CALL_OPEN = re.compile(r"\s*\(")
PREFIXES = ("_xlfn.", "_xlws.")


@dataclass(frozen=True)
class Reference:
    """One reference in a formula: where it is in the text, its sheet (None: the formula's own)."""

    start: int
    end: int
    sheet: str | None
    first: str
    last: str | None

    @property
    def text(self) -> str:
        """The reference without its sheet, ``$B$3`` or ``C4:C15``."""
        return self.first if self.last is None else f"{self.first}:{self.last}"


def references(formula: str) -> list[Reference]:
    r"""Every cell or range reference outside string literals, left to right.

    Example:
        >>> [(r.sheet, r.text) for r in references("=C2*Inputs!$B$4+SUM('A b'!C1:C3)&\"B2\"")]
        [(None, 'C2'), ('Inputs', '$B$4'), ('A b', 'C1:C3')]
    """
    strings = [m.span() for m in STRING.finditer(formula)]
    found = []
    for match in REFERENCE.finditer(formula):
        if any(a <= match.start() < b for a, b in strings):
            continue
        sheet = match.group("sheet")
        if sheet is not None:
            sheet = sheet[:-1]
            if sheet.startswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
        found.append(
            Reference(match.start(), match.end(), sheet, match.group("first"), match.group("last"))
        )
    return found


def replace_references(formula: str, replace: Callable[[Reference], str | None]) -> str:
    """The formula with each reference ``replace`` answers for replaced by its answer."""
    parts, position = [], 0
    for reference in references(formula):
        new = replace(reference)
        if new is None:
            continue
        parts += [formula[position : reference.start], new]
        position = reference.end
    return "".join([*parts, formula[position:]])


def shift_cell(cell: str, rows: int, columns: int) -> str:
    """A cell's relative parts moved by ``rows`` and ``columns``, as a fill moves them.

    Example:
        >>> shift_cell("C$3", 2, 1), shift_cell("$A4", 2, 1), shift_cell("$B$2", 5, 5)
        ('D$3', '$A6', '$B$2')
    """
    match = CELL_PARTS.fullmatch(cell)
    if match is None:
        raise ValueError(f"Expects a cell like 'B3' or '$B$3', actual value: {cell!r}")
    fixed_column, letters, fixed_row, digits = match.groups()
    column = column_index(letters) + (0 if fixed_column else columns)
    row = int(digits) + (0 if fixed_row else rows)
    return f"{fixed_column}{column_letters(column)}{fixed_row}{row}"


def shifted(formula: str, rows: int, columns: int) -> str:
    """The formula as filled ``rows`` down and ``columns`` right of where it was written.

    Example:
        >>> shifted("=B2*(1+Inputs!$B$3)+SUM(C4:C15)", 0, 2)
        '=D2*(1+Inputs!$B$3)+SUM(E4:E15)'
    """

    def move(reference: Reference) -> str:
        sheet = formula[reference.start : reference.end].rpartition("!")[0]
        sheet = f"{sheet}!" if sheet else ""
        first = shift_cell(reference.first, rows, columns)
        last = "" if reference.last is None else ":" + shift_cell(reference.last, rows, columns)
        return f"{sheet}{first}{last}"

    return replace_references(formula, move)


@dataclass
class Call:
    """One function call: its name (upper case, no ``_xlfn.``), its span, its arguments' spans."""

    name: str
    start: int
    end: int = -1
    arguments: list[tuple[int, int]] = field(default_factory=list)
    inner: list[Call] = field(default_factory=list)
    _argument_start: int = -1


def calls(formula: str) -> list[Call]:
    """The outermost function calls of a formula; each holds the calls inside it.

    Strings and quoted sheet names are skipped; brackets and array constants nest.
    An unbalanced formula gives the calls closed before the imbalance.

    Example:
        >>> [(c.name, [i.name for i in c.inner]) for c in calls("=IFERROR(1/SUM(A1:A3),0)+PI()")]
        [('IFERROR', ['SUM']), ('PI', [])]
    """
    top: list[Call] = []
    stack: list[Call | None] = []  # None: a bracket or brace that is not a call's
    index, length = 0, len(formula)
    while index < length:
        char = formula[index]
        if char == '"':
            match = STRING.match(formula, index)
            index = match.end() if match else length
            continue
        if char == "'":
            end = formula.find("'!", index + 1)
            index = end + 2 if end != -1 else length
            continue
        if char.isalpha() or char == "_":
            word = IDENTIFIER.match(formula, index)
            assert word is not None
            opening = CALL_OPEN.match(formula, word.end())
            if opening and (index == 0 or formula[index - 1] not in "$.!"):
                name = word.group().upper()
                for prefix in PREFIXES:
                    name = name.removeprefix(prefix.upper())
                call = Call(name, index)
                call._argument_start = opening.end()
                stack.append(call)
                index = opening.end()
                continue
            index = word.end()
            continue
        if char in "({":
            stack.append(None)
        elif char in ")}" and stack:
            closed = stack.pop()
            if closed is not None:
                closed.arguments.append((closed._argument_start, index))
                closed.end = index + 1
                if (
                    len(closed.arguments) == 1
                    and formula[slice(*closed.arguments[0])].strip() == ""
                ):
                    closed.arguments = []
                parent = next((c for c in reversed(stack) if c is not None), None)
                (parent.inner if parent is not None else top).append(closed)
        elif char == "," and stack and stack[-1] is not None:
            call = stack[-1]
            call.arguments.append((call._argument_start, index))
            call._argument_start = index + 1
        index += 1
    return top


Rewrite = Callable[[Call, list[str]], str | None]


def rewrite_calls(formula: str, rewrite: Rewrite) -> tuple[str, int]:
    """The formula with calls rewritten from the innermost out; how many were rewritten.

    ``rewrite(call, arguments)`` gets each call with its arguments' text (already
    rewritten) and answers the call's new text, or None to keep it as it is.

    Example:
        >>> rewrite_calls("=IFERROR(1/A1,0)", lambda c, a: f"({a[0]})" if c.name == "IFERROR" else None)
        ('=(1/A1)', 1)
    """
    count = 0

    def render(start: int, end: int, inside: list[Call]) -> str:
        parts, position = [], start
        for call in inside:
            if call.start < start or call.end > end:
                continue
            parts += [formula[position : call.start], render_call(call)]
            position = call.end
        return "".join([*parts, formula[position:end]])

    def render_call(call: Call) -> str:
        nonlocal count
        arguments = [render(a, b, call.inner) for a, b in call.arguments]
        new = rewrite(call, arguments)
        if new is not None:
            count += 1
            return new
        if not call.arguments:
            return formula[call.start : call.end]
        head = formula[call.start : call.arguments[0][0]]
        return head + ",".join(arguments) + ")"

    return render(0, len(formula), calls(formula)), count
