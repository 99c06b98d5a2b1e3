"""The import itself: a Harbor task folder in, a checked terminal task folder out."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.core.tasks import SEMVER, load_task_file
from skillgym.envs.terminal.harbor.config import HarborConfig, read_config, within_limits
from skillgym.envs.terminal.harbor.dockerfile import EnvironmentPlan
from skillgym.envs.terminal.harbor.environment import convert_environment
from skillgym.envs.terminal.harbor.episode import HARBOR_DIR
from skillgym.envs.terminal.harbor.harbor_form import harbor_fields
from skillgym.envs.terminal.harbor.solution import convert_solution
from skillgym.envs.terminal.harbor.task_yaml import task_fields, write_task_yaml
from skillgym.envs.terminal.harbor.tests_conversion import convert_tests
from skillgym.envs.terminal.task_files import load_terminal_task

REQUIRED_FILES = ("instruction.md", "task.toml", "solution/solve.sh", "tests/")
HARBOR_REQUIRED = ("environment/Dockerfile", "tests/test.sh")


Semantics = Literal["harbor", "converted"]
SEMANTICS: tuple[Semantics, ...] = ("harbor", "converted")
HARBOR_PIDS = 4096
"""A Harbor task's process limit (Harbor sets none; compilers and test runners fork a lot)."""


@dataclass(frozen=True)
class HarborImport:
    """What :func:`import_harbor_task` wrote.

    Attributes:
        folder: The task's new folder, ``<tasks_root>/terminal/<name>``.
        task_id: Its id, ``terminal/<name>``.
        warnings: What differs from Harbor, one sentence each, for a person to review.
        sandboxes: The sandboxes the task runs in.
        docker_only: Why the bwrap sandbox cannot host it (empty when it can).
    """

    folder: Path
    task_id: str
    warnings: list[str] = field(default_factory=list)
    sandboxes: list[str] = field(default_factory=lambda: ["bwrap", "docker"])
    docker_only: list[str] = field(default_factory=list)


def import_harbor_task(
    source: Path,
    tasks_root: Path,
    *,
    name: str | None = None,
    version: str = "1.0.0",
    base_image: str | None = None,
    force: bool = False,
    semantics: Semantics = "harbor",
) -> HarborImport:
    """Convert one Harbor task folder into ``<tasks_root>/terminal/<name>/``.

    With ``semantics="harbor"`` (the default) the task keeps Harbor's files under
    ``harbor/`` and runs as Harbor runs it in the docker sandbox (``sandbox.harbor``:
    its own image built from its Dockerfile, root, ``/solution`` for the oracle,
    ``test.sh`` as written, the reward file). The conversion below is tried as well: when
    it loses nothing, it is kept for the bwrap sandbox; otherwise the task is docker-only
    and ``docker_only`` says why. With ``semantics="converted"`` only the conversion is
    written: the Dockerfile read (never built), the tests run by SkillGym's runner.

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
        semantics: ``harbor`` or ``converted`` (see above).

    Returns:
        The written folder, the task id and the warnings.

    Raises:
        TaskFormatError: If a required file is missing, a file cannot be parsed, the name
            or version is malformed, the destination exists (without ``force``), or the
            result does not load as a terminal task.
    """
    source, tasks_root = Path(source), Path(tasks_root)
    if semantics not in SEMANTICS:
        raise TaskFormatError(
            f"Expects semantics in {list(SEMANTICS)}, actual value: {semantics!r}"
        )
    _check_layout(source, semantics)
    slug = _task_name(source, name)
    if not SEMVER.match(version):
        raise TaskFormatError(f"Expects a semantic version like '1.0.0', actual value: {version!r}")
    destination = tasks_root / "terminal" / slug
    if destination.exists() and not force:
        raise TaskFormatError(
            f"{destination} already exists; expects a new task name, or force=True to replace it"
        )
    config = read_config(source / "task.toml")
    instruction = (source / "instruction.md").read_text(encoding="utf-8")
    harbor_notes: list[str] = []
    harbor, workdir = (
        harbor_fields(source, config, harbor_notes) if semantics == "harbor" else (None, "")
    )
    tasks_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tasks_root, prefix=".harbor-import-") as scratch:
        folder = Path(scratch) / "terminal" / slug
        folder.mkdir(parents=True)
        notes: list[str] = []
        try:
            task = _convert(source, folder, instruction, slug, version, config, base_image, notes)
            lost = list(notes)
        except TaskFormatError as exc:
            if harbor is None:
                raise
            task, lost = None, [str(exc)]
        if harbor is not None:
            if lost or task is None:  # the conversion loses something: docker only
                task = _harbor_only(
                    folder, instruction, slug, version, config, workdir, harbor_notes
                )
            else:
                task["sandbox"] = {**task["sandbox"], "sandboxes": ["bwrap", "docker"],
                                   "reward": "all"}  # fmt: skip
            task["sandbox"]["harbor"] = harbor
            for part in ("environment", "solution", "tests"):
                if (source / part).is_dir():
                    shutil.copytree(source / part, folder / HARBOR_DIR / part, symlinks=True)
            shutil.copy2(source / "task.toml", folder / HARBOR_DIR / "task.toml")
            notes = harbor_notes
        assert task is not None
        write_task_yaml(folder / "task.yaml", task)
        loaded = load_terminal_task(load_task_file(folder / "task.yaml"))
        if destination.exists():
            shutil.rmtree(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(destination)
    docker_only = [f"bwrap: {reason}" for reason in lost] if harbor is not None else []
    return HarborImport(
        destination,
        f"terminal/{slug}",
        list(dict.fromkeys(notes)),
        list(loaded.sandbox.sandboxes),
        list(dict.fromkeys(docker_only)),
    )


def _convert(
    source: Path,
    folder: Path,
    instruction: str,
    slug: str,
    version: str,
    config: HarborConfig,
    base_image: str | None,
    notes: list[str],
) -> dict[str, Any]:
    """Write the converted form into ``folder``; its task.yaml fields (checked)."""
    config = within_limits(config, notes)
    plan = convert_environment(source / "environment", folder, base_image, notes)
    test_packages = convert_tests(
        source / "tests", folder / "tests", plan, config.verifier_seconds, notes
    )
    convert_solution(source / "solution", folder / "solution.sh", notes)
    task = task_fields(instruction, slug, version, config, plan, test_packages, base_image, notes)
    write_task_yaml(folder / "task.yaml", task)
    load_terminal_task(load_task_file(folder / "task.yaml"))
    return task


def _harbor_only(
    folder: Path,
    instruction: str,
    slug: str,
    version: str,
    config: HarborConfig,
    workdir: str,
    notes: list[str],
) -> dict[str, Any]:
    """Empty ``folder`` of the conversion; the task.yaml fields of a docker-only Harbor task."""
    for child in folder.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    bounded = within_limits(config, notes)
    plan = EnvironmentPlan(workdir=workdir)
    task = task_fields(instruction, slug, version, bounded, plan, [], None, notes)
    task["sandbox"].update(
        {"user": "root", "network": True, "sandboxes": ["docker"], "pids": HARBOR_PIDS}
    )
    task["sandbox"].pop("packages", None)
    return task


def _check_layout(source: Path, semantics: Semantics) -> None:
    if not source.is_dir():
        raise TaskFormatError(
            f"Expects a Harbor task folder, actual path is not a folder: {source}"
        )
    required_files = REQUIRED_FILES + (HARBOR_REQUIRED if semantics == "harbor" else ())
    missing = [
        required
        for required in required_files
        if not (
            (source / required).is_dir()
            if required.endswith("/")
            else (source / required).is_file()
        )
    ]
    if missing:
        raise TaskFormatError(
            f"{source}: not a Harbor task folder; missing {', '.join(missing)} "
            f"(expects {', '.join(required_files)})"
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
