"""``validate --changed``: only the tasks a branch touched, against the base branch."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from skillgym.envs.core.changed_tasks import changed_tasks
from skillgym.envs.core.tasks import TaskCatalog, default_tasks_dir
from skillgym.errors import SkillGymError


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose main branch holds two arithmetic tasks, on a feature branch."""
    tasks = tmp_path / "tasks"
    for name in ("sum-list", "compound-interest"):
        shutil.copytree(default_tasks_dir() / "arithmetic" / name, tasks / "arithmetic" / name)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "tasks")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tasks


def test_an_untouched_branch_changes_no_task(repo):
    assert changed_tasks(TaskCatalog.load(repo), repo).ids == []


def test_a_committed_edit_and_an_unstaged_one_are_both_changes(repo):
    path = repo / "arithmetic" / "sum-list" / "generate.py"
    path.write_text(path.read_text() + "\n# tuned\n")
    git(repo.parent, "commit", "-qam", "tune")
    other = repo / "arithmetic" / "compound-interest" / "task.yaml"
    other.write_text(other.read_text() + "# reviewed\n")
    found = changed_tasks(TaskCatalog.load(repo), repo)
    assert found.ids == ["arithmetic/compound-interest", "arithmetic/sum-list"]
    assert found.reasons["arithmetic/sum-list"] == "arithmetic/sum-list/generate.py changed"


def test_a_new_untracked_version_folder_counts_for_its_task(repo):
    old = repo / "arithmetic" / "sum-list@0.9.0"
    shutil.copytree(repo / "arithmetic" / "sum-list", old)
    (old / "task.yaml").write_text((old / "task.yaml").read_text().replace("1.0.0", "0.9.0"))
    found = changed_tasks(TaskCatalog.load(repo), repo)
    assert found.ids == ["arithmetic/sum-list"]


def test_an_unknown_base_is_a_clear_error(repo):
    with pytest.raises(SkillGymError, match="merge-base"):
        changed_tasks(TaskCatalog.load(repo), repo, base="no-such-branch")
