"""The formula engine's settings: the program an engine starts, and a workbook's bounds."""

import pytest

from skillgym.envs.spreadsheet.engine import CalcEngine
from skillgym.envs.spreadsheet.settings import EngineSettings
from skillgym.envs.spreadsheet.work_limits import WorkLimits
from skillgym.errors import EngineError


def test_an_engine_starts_the_libreoffice_program_the_settings_name(monkeypatch, tmp_path):
    started = tmp_path / "started-with"
    program = tmp_path / "soffice"
    program.write_text(f'#!/bin/sh\necho "$@" > {started}\nexit 3\n')
    program.chmod(0o755)
    monkeypatch.setenv("SKILLGYM_SOFFICE", str(program))
    calc = CalcEngine()
    with pytest.raises(EngineError, match="did not start"):
        calc.call("ping")
    assert "--headless" in started.read_text()
    assert not calc.alive


def test_a_workbook_is_bounded_by_the_work_limits_defaults_unless_set(monkeypatch):
    for name in EngineSettings.model_fields:
        monkeypatch.delenv(EngineSettings.variable(name), raising=False)
    assert EngineSettings.from_environment().work_limits() == WorkLimits()
    monkeypatch.setenv("SKILLGYM_CALC_EPISODE_SECONDS", "90")
    assert WorkLimits.from_environment().episode_seconds == 90.0
