"""The settings base: variables read when asked, empty ones unset, wrong ones named."""

import os
import re
from pathlib import Path

import pytest

from skillgym.envs.core.settings import CatalogSettings, SettingsError
from skillgym.errors import SkillGymError
from skillgym.hub_server.settings import ServerSettings


def test_a_variable_set_after_import_counts_when_the_settings_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLGYM_TASKS_DIR", str(tmp_path))
    assert CatalogSettings.from_environment().tasks_dir == [tmp_path]


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("SKILLGYM_TASKS_DIR", "")
    monkeypatch.setenv("SKILLGYM_PORT", "")
    monkeypatch.setenv("SKILLGYM_API_TOKEN", "")
    assert CatalogSettings.from_environment().tasks_dir is None
    server = ServerSettings.from_environment()
    assert (server.port, server.api_token) == (8000, None)


def test_the_tasks_variable_holds_several_folders_separated_as_in_path(monkeypatch):
    monkeypatch.setenv("SKILLGYM_TASKS_DIR", f"one{os.pathsep}{os.pathsep}two")
    assert CatalogSettings.from_environment().tasks_dir == [Path("one"), Path("two")]
    assert CatalogSettings(tasks_dir=[f"a{os.pathsep}b", "c"]).tasks_dir == [
        Path("a"),
        Path("b"),
        Path("c"),
    ]


def test_a_wrong_value_names_the_variable_what_it_expects_and_what_it_holds(monkeypatch):
    monkeypatch.setenv("SKILLGYM_MAX_SESSIONS", "many")
    monkeypatch.setenv("SKILLGYM_IDLE_TIMEOUT_S", "-1")
    expected = (
        "Expects $SKILLGYM_MAX_SESSIONS to be a whole number, actual value: 'many'; "
        "Expects $SKILLGYM_IDLE_TIMEOUT_S to be greater than 0, actual value: '-1'"
    )
    with pytest.raises(SettingsError, match=re.escape(expected)) as raised:
        ServerSettings.from_environment()
    assert isinstance(raised.value, SkillGymError) and isinstance(raised.value, ValueError)
    assert raised.value.code == "settings_error"


def test_a_check_across_fields_keeps_its_own_message(monkeypatch):
    monkeypatch.setenv("SKILLGYM_HOST", "0.0.0.0")
    monkeypatch.delenv("SKILLGYM_API_TOKEN", raising=False)
    monkeypatch.delenv("SKILLGYM_ALLOW_UNAUTHENTICATED", raising=False)
    with pytest.raises(SettingsError, match=r"^Serving on 0\.0\.0\.0 without an API token"):
        ServerSettings.from_environment()


def test_a_variable_is_the_prefix_and_the_field_name_in_capitals():
    assert ServerSettings.variable("idle_timeout_s") == "SKILLGYM_IDLE_TIMEOUT_S"
