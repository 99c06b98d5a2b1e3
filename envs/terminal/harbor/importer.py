"""The import itself: a Harbor task folder in, a checked terminal task folder out."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.core.tasks import SEMVER, load_task_file
from skillgym.envs.terminal.harbor.config import read_config, within_limits
from skillgym.envs.terminal.harbor.environment import convert_environment
from skillgym.envs.terminal.harbor.solution import convert_solution
from skillgym.envs.terminal.harbor.task_yaml import task_fields, write_task_yaml
from skillgym.envs.terminal.harbor.tests_conversion import convert_tests
from skillgym.envs.terminal.task_files import load_terminal_task

REQUIRED_FILES = ("instruction.md", "task.toml", "solution/solve.sh", "tests/")


@dataclass(frozen=True)
class HarborImport:
    """What :func:`import_harbor_task` wrote.

    Attributes:
        folder: The task's new folder, ``<tasks_root>/terminal/<name>``.
        task_id: Its id, ``terminal/<name>``.
        warnings: What could not be carried over, one sentence each, for a person to review.
    """

    folder: Path
    task_id: str
    warnings: list[str] = field(default_factory=list)


def import_harbor_task(
    source: Path,
    tasks_root: Path,
    *,
    name: str | None = None,
    version: str = "1.0.0",
    base_image: str | None = None,
    force: bool = False,
) -> HarborImport:
    """Convert one Harbor task folder into ``<tasks_root>/terminal/<name>/``.

    The folder is written in a scratch directory, loaded and checked as a terminal task,
    and only then moved into place, so a failed import leaves nothing behind.

    Args:
        source: The Harbor task folder (instruction.md, task.toml, environment/, solution/,
            tests/).
        tasks_root: The tasks folder to write into (``TaskCatalog.load(tasks_root)`` finds it).
        name: The task's name; default: the source folder's name made into a task id
            (lower case, runs of other characters as ``-``).
        version: The task version, semantic (``1.0.0``).
        base_image: A Docker image for ``sandbox.image`` (one that has what the Dockerfile
            installs); default: the SkillGym terminal base image.
        force: Replace an existing task folder of the same name.

    Returns:
        The written folder, the task id and the warnings.

    Raises:
        TaskFormatError: If a required file is missing, a file cannot be parsed, the name
            or version is malformed, the destination exists (without ``force``), or the
            result does not load as a terminal task.
    """
    source, tasks_root = Path(source), Path(tasks_root)
    _check_layout(source)
    slug = _task_name(source, name)
    if not SEMVER.match(version):
        raise TaskFormatError(f"Expects a semantic version like '1.0.0', actual value: {version!r}")
    destination = tasks_root / "terminal" / slug
    if destination.exists() and not force:
        raise TaskFormatError(
            f"{destination} already exists; expects a new task name, or force=True to replace it"
        )
    notes: list[str] = []
    config = within_limits(read_config(source / "task.toml"), notes)
    instruction = (source / "instruction.md").read_text(encoding="utf-8")
    tasks_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tasks_root, prefix=".harbor-import-") as scratch:
        folder = Path(scratch) / "terminal" / slug
        folder.mkdir(parents=True)
        plan = convert_environment(source / "environment", folder, base_image, notes)
        test_packages = convert_tests(
            source / "tests", folder / "tests", plan, config.verifier_seconds, notes
        )
        convert_solution(source / "solution", folder / "solution.sh", notes)
        task = task_fields(
            instruction, slug, version, config, plan, test_packages, base_image, notes
        )
        write_task_yaml(folder / "task.yaml", task)
        load_terminal_task(load_task_file(folder / "task.yaml"))
        if destination.exists():
            shutil.rmtree(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(destination)
    return HarborImport(destination, f"terminal/{slug}", list(dict.fromkeys(notes)))


def _check_layout(source: Path) -> None:
    if not source.is_dir():
        raise TaskFormatError(
            f"Expects a Harbor task folder, actual path is not a folder: {source}"
        )
    missing = [
        required
        for required in REQUIRED_FILES
        if not (
            (source / required).is_dir()
            if required.endswith("/")
            else (source / required).is_file()
        )
    ]
    if missing:
        raise TaskFormatError(
            f"{source}: not a Harbor task folder; missing {', '.join(missing)} "
            f"(expects {', '.join(REQUIRED_FILES)}, and environment/Dockerfile)"
        )


def _task_name(source: Path, name: str | None) -> str:
    if name is not None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            raise TaskFormatError(
                f"Expects a task name of lower-case letters, digits and '-', actual value: {name!r}"
            )
        return name
    slug = re.sub(r"[^a-z0-9]+", "-", source.resolve().name.lower()).strip("-")
    if not slug:
        raise TaskFormatError(
            f"Cannot make a task name from the folder name {source.resolve().name!r}; pass name="
        )
    return slug
