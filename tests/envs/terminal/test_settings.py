"""The sandbox's settings, read when a terminal environment or a bwrap sandbox starts."""

import re
import tempfile
from pathlib import Path

import pytest

from skillgym.envs.core.settings import SettingsError
from skillgym.envs.terminal.bwrap import sandboxes_dir
from skillgym.envs.terminal.cgroups import ResourceLimits, create_cgroup
from skillgym.envs.terminal.settings import SandboxSettings

LIMITS = ResourceLimits(memory_bytes=1 << 20, pids=8, cpus=0.5)


def test_a_sandbox_makes_its_cgroup_under_the_root_set_when_it_starts(monkeypatch, tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    monkeypatch.setenv("SKILLGYM_CGROUP_ROOT", str(tmp_path))
    cgroup = create_cgroup("sg-settings", LIMITS)
    directory = tmp_path / "skillgym" / "sg-settings"
    assert cgroup is not None and cgroup.directories == [directory]
    assert (directory / "pids.max").read_text() == "8"
    assert (directory / "cpu.max").read_text() == "50000 100000"


def test_under_a_root_with_no_hierarchy_a_sandbox_gets_no_cgroup(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLGYM_CGROUP_ROOT", str(tmp_path / "no-cgroups"))
    assert create_cgroup("sg-settings", LIMITS) is None


def test_bwrap_sandboxes_live_in_the_folder_the_settings_name(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLGYM_SANDBOX_DIR", str(tmp_path))
    assert sandboxes_dir() == tmp_path
    monkeypatch.delenv("SKILLGYM_SANDBOX_DIR")
    assert sandboxes_dir() == Path(tempfile.gettempdir()) / "skillgym-sandboxes"


def test_an_unknown_sandbox_is_refused_with_the_kinds_there_are(monkeypatch):
    monkeypatch.setenv("SKILLGYM_SANDBOX", "dockr")
    expected = "Expects $SKILLGYM_SANDBOX to be one of 'bwrap' or 'docker', actual value: 'dockr'"
    with pytest.raises(SettingsError, match=re.escape(expected)):
        SandboxSettings.from_environment()
