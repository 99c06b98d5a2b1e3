"""The formula engine's settings: LibreOffice, its engines, and each workbook's bounds.

Read when an engine starts (``SKILLGYM_UNO_PYTHON``, ``SKILLGYM_SOFFICE``), when the
process's pool is made (``SKILLGYM_CALC_ENGINES``) and when a workbook opens (the
``SKILLGYM_CALC_*`` bounds, explained in ``work_limits.py``).

Example:
    >>> EngineSettings(calc_call_seconds=10).work_limits().call_seconds
    10.0
"""

from __future__ import annotations

import contextlib
from typing import Any

from pydantic import Field, field_validator

from skillgym.envs.core.settings import SkillGymSettings
from skillgym.envs.spreadsheet.work_limits import WorkLimits


class EngineSettings(SkillGymSettings):
    """The spreadsheet family's formula engine (LibreOffice) and what a workbook may use of it."""

    uno_python: str | None = Field(
        default=None,
        description="The Python that can import LibreOffice's uno module; "
        "default: /usr/bin/python3, else /usr/local/bin/python3.",
    )
    soffice: str = Field(
        default="/usr/lib/libreoffice/program/soffice.bin",
        description="The LibreOffice program each engine starts.",
    )
    calc_engines: int = Field(
        default=1,
        gt=0,
        description="LibreOffice engines the process shares among its workbooks; "
        "each does one request at a time.",
    )
    calc_formula_reads: int = Field(
        default=WorkLimits.formula_reads,
        gt=0,
        description="Cells a workbook's formulas may read in all, estimated before a write; "
        "a write past it is refused.",
    )
    calc_recalc_seconds: float = Field(
        default=WorkLimits.recalc_seconds,
        gt=0,
        description="Seconds a full recalculation of a workbook may take; "
        "a change that makes it longer is undone and refused.",
    )
    calc_call_seconds: float = Field(
        default=WorkLimits.call_seconds,
        gt=0,
        description="Seconds one engine call may take; past it the engine is restarted "
        "and the episode ends, truncated.",
    )
    calc_episode_seconds: float = Field(
        default=WorkLimits.episode_seconds,
        gt=0,
        description="Engine seconds one episode may spend; once spent, "
        "the next change ends it, truncated.",
    )

    @field_validator("calc_formula_reads", mode="before")
    @classmethod
    def _a_count_may_be_written_as_a_float(cls, value: Any) -> Any:
        if isinstance(value, str):  # "1e6" reads as a million
            with contextlib.suppress(ValueError):
                return int(float(value))
        return value

    def work_limits(self) -> WorkLimits:
        """The bounds on one workbook's use of the engine."""
        return WorkLimits(
            formula_reads=self.calc_formula_reads,
            recalc_seconds=self.calc_recalc_seconds,
            call_seconds=self.calc_call_seconds,
            episode_seconds=self.calc_episode_seconds,
        )
