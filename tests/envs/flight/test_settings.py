"""The browser's settings: the Chromium named in SKILLGYM_CHROMIUM, checked when it starts."""

import re
import sys

import pytest

from skillgym.envs.flight.browser import chromium_path
from skillgym.errors import SandboxError


def test_the_chromium_the_settings_name_is_the_one_launched(monkeypatch):
    monkeypatch.setenv("SKILLGYM_CHROMIUM", sys.executable)
    assert chromium_path() == sys.executable


def test_a_chromium_that_is_not_a_program_is_refused_by_its_setting(monkeypatch, tmp_path):
    not_a_program = tmp_path / "chromium"
    not_a_program.write_text("")
    monkeypatch.setenv("SKILLGYM_CHROMIUM", str(not_a_program))
    expected = f"SKILLGYM_CHROMIUM={not_a_program} is not an executable file."
    with pytest.raises(SandboxError, match=re.escape(expected)):
        chromium_path()
