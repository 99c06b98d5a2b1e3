"""What a formula may contain before it reaches the engine.

The engine (LibreOffice) would accept more than a spreadsheet user can type, and
some of it reaches outside the workbook: ``WEBSERVICE`` fetches URLs, ``INDIRECT``
and external references (``'file:///etc/passwd'#$Sheet1.A1``, ``[book.xlsx]``) read
other files, ``INFO``/``CELL`` reveal the host. So a formula is screened first: known
functions only (the ones financial models use, and the everyday rest), no external
references, references inside the sheet, sheets that exist, balanced brackets.
Anything else is refused with a message that says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from skillgym.envs.spreadsheet.addresses import MAX_COLUMNS, MAX_ROWS, column_index

MAX_FORMULA_CHARS = 8_192  # Excel's own limit

ALLOWED_FUNCTIONS = frozenset(
    """
    ABS ACOS ACOSH AND ASIN ASINH ATAN ATAN2 AVERAGE AVERAGEA AVERAGEIF AVERAGEIFS CEILING
    CEILING.MATH CHOOSE COLUMN COLUMNS CONCAT CONCATENATE COS COSH COUNT COUNTA COUNTBLANK
    COUNTIF COUNTIFS CUMIPMT CUMPRINC DATE DATEDIF DAY DAYS DB DDB DEGREES EDATE EFFECT
    EOMONTH EVEN EXACT EXP FACT FALSE FIND FLOOR FLOOR.MATH FV FVSCHEDULE HLOOKUP HOUR IF
    IFERROR IFNA IFS INDEX INT INTRATE IPMT IRR ISBLANK ISERR ISERROR ISEVEN ISLOGICAL ISNA
    ISNUMBER ISODD ISOWEEKNUM ISPMT ISTEXT LARGE LEFT LEN LN LOG LOG10 LOOKUP LOWER MATCH MAX
    MAXA MAXIFS MEDIAN MID MIN MINA MINIFS MINUTE MIRR MOD MONTH MROUND N NETWORKDAYS NOMINAL
    NOT NOW NPER NPV ODD OFFSET OR PERCENTILE PERCENTRANK PI PMT POWER PPMT PRODUCT PROPER PV
    QUOTIENT RADIANS RANK RATE REPLACE REPT RIGHT ROUND ROUNDDOWN ROUNDUP ROW ROWS RRI SEARCH
    SIGN SIN SINH SLN SMALL SQRT STDEV STDEV.P STDEV.S STDEVP SUBSTITUTE SUBTOTAL SUM SUMIF
    SUMIFS SUMPRODUCT SUMSQ SWITCH SYD TAN TANH TEXT TEXTJOIN TIME TODAY TRANSPOSE TRIM TRUE
    TRUNC UPPER VALUE VAR VAR.P VAR.S VDB VLOOKUP WEEKDAY WEEKNUM WORKDAY XIRR XLOOKUP XMATCH
    XNPV XOR YEAR YEARFRAC
    """.split()
)
STRING = re.compile(r'"(?:[^"]|"")*"')
FUNCTION = re.compile(r"(?<![A-Za-z0-9_.$])([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
QUOTED_SHEET = re.compile(r"'((?:[^']|'')+)'!")
PLAIN_SHEET = re.compile(r"(?<![A-Za-z0-9_.'])([A-Za-z_][A-Za-z0-9_.]*)!")
CELL_REF = re.compile(r"(?<![A-Za-z0-9_.])\$?([A-Za-z]{1,4})\$?([0-9]+)(?![A-Za-z0-9_(.])")


class FormulaError(ValueError):
    """A formula refused before it reaches the engine."""


def screen_formula(formula: str, sheets: Collection[str]) -> None:
    """Check a formula (starting with ``=``) against the rules above.

    Raises:
        FormulaError: Naming the rule it breaks.
    """
    if len(formula) > MAX_FORMULA_CHARS:
        raise FormulaError(
            f"Expects a formula of at most {MAX_FORMULA_CHARS:,} characters, actual length: {len(formula):,}"
        )
    if formula.count('"') % 2:
        raise FormulaError(f"Formula {formula!r} has an unclosed string (odd number of '\"').")
    bare = STRING.sub('""', formula[1:])
    if "file:" in formula.lower() or "[" in bare or "]" in bare:
        raise FormulaError(
            f"Formula {formula!r} refers outside this workbook; only its own sheets can be referenced."
        )
    depth = 0
    for char in bare:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise FormulaError(
            f"Formula {formula!r} has unbalanced parentheses ({bare.count('(')} '(' and {bare.count(')')} ')')."
        )
    for name in FUNCTION.findall(bare):
        if name.upper() not in ALLOWED_FUNCTIONS:
            raise FormulaError(
                f"Unknown or unsupported function {name}() in {formula!r}; SkillGym spreadsheets "
                "support the usual math, logical, lookup, date, text and financial functions."
            )
    without_quoted = QUOTED_SHEET.sub(
        lambda m: _check_sheet(m.group(1).replace("''", "'"), sheets), bare
    )
    for name in PLAIN_SHEET.findall(without_quoted):
        _check_sheet(name, sheets)
    for letters, digits in CELL_REF.findall(without_quoted):
        outside = column_index(letters) >= MAX_COLUMNS or not 1 <= int(digits) <= MAX_ROWS
        if outside and len(letters) <= 3:
            raise FormulaError(
                f"Reference {letters}{digits} in {formula!r} is outside the sheet "
                f"(rows 1-{MAX_ROWS:,}, columns A-XFD)."
            )


def _check_sheet(name: str, sheets: Collection[str]) -> str:
    # Sheet names are case-insensitive in formulas, as in Excel: =inputs!B2 is Inputs!B2.
    if name.lower() not in {sheet.lower() for sheet in sheets}:
        known = ", ".join(sorted(sheets))
        raise FormulaError(
            f"Formula refers to sheet {name!r}, which does not exist; sheets: {known}."
        )
    return ""
