"""The per-file LibreOffice recalculation that spreadsheet benchmarks use today.

``soffice --headless --convert-to xlsx`` started once per file, with a profile that
forces recalculation on load (by default LibreOffice keeps the values cached in an
``.xlsx``, which an agent could have planted) and with cached values stripped first.
It is the peer the persistent engine is measured against, and the reference it must
agree with.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import openpyxl

SOFFICE = "soffice"
FORCE_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def strip_cached_values(data: bytes) -> bytes:
    """The workbook with its formulas and constants but no cached formula results."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl writes formulas without cached values
    return buffer.getvalue()


def convert_per_file(data: bytes, *, timeout: float = 120.0) -> bytes:
    """Recalculate an ``.xlsx`` in a fresh LibreOffice process, as per-file pipelines do."""
    with tempfile.TemporaryDirectory(prefix="skillgym-soffice-") as folder:
        root = Path(folder)
        profile = root / "profile" / "user"
        profile.mkdir(parents=True)
        (profile / "registrymodifications.xcu").write_text(FORCE_RECALC)
        source = root / "in" / "book.xlsx"
        source.parent.mkdir()
        source.write_bytes(data)
        out = root / "out"
        command = [
            shutil.which(SOFFICE) or SOFFICE,
            f"-env:UserInstallation=file://{root / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        return (out / "book.xlsx").read_bytes()


def cached_values(data: bytes) -> dict[tuple[str, str], Any]:
    """Every non-empty cell's cached value, by ``(sheet, address)``."""
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
