"""Suites: named lists of pinned task versions with public seeds (``<tasks>/suites/*.yaml``).

A suite pins every task to a version, so a score on it means the same episodes next
year; its ``seeds`` are the public ones, for development. Suites live in a ``suites``
folder of any task root (the bundled tasks, a task pack, ``SKILLGYM_TASKS_DIR``).

Example:
    >>> suite = Suite(name="mini", tasks=["arithmetic/sum-list@1.0.0"], seeds=[0, 1])
    >>> suite.families
    ['arithmetic']
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from skillgym.envs.core.errors import TaskFormatError, TaskNotFoundError
from skillgym.envs.core.tasks import default_task_roots

SUITES_FOLDER = "suites"


class Suite(BaseModel):
    """A named list of pinned task versions and the public seeds to play them with."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    description: str = ""
    tasks: list[str] = Field(min_length=1, description="family/name@version, each pinned.")
    seeds: list[int] = Field(min_length=1, description="Public seeds, for development.")

    @field_validator("tasks")
    @classmethod
    def _pinned(cls, tasks: list[str]) -> list[str]:
        loose = [t for t in tasks if "@" not in t or "/" not in t]
        if loose:
            raise ValueError(
                f"Expects every task pinned as family/name@version, actual values: {loose}"
            )
        return tasks

    @property
    def families(self) -> list[str]:
        """The families the suite's tasks belong to, sorted."""
        return sorted({t.split("/", 1)[0] for t in self.tasks})


def suite_files(roots: list[Path] | None = None) -> dict[str, Path]:
    """Every suite file of the task roots, by suite name (the first root wins)."""
    found: dict[str, Path] = {}
    for root in roots if roots is not None else default_task_roots():
        for path in sorted((root / SUITES_FOLDER).glob("*.yaml")):
            found.setdefault(path.stem, path)
    return found


def load_suite(name: str, roots: list[Path] | None = None) -> Suite:
    """The suite called ``name``, or the suite file at the path ``name``.

    Raises:
        TaskNotFoundError: No suite has that name (the message lists those there are).
        TaskFormatError: The file is not a suite.
    """
    files = suite_files(roots)
    path = Path(name) if name.endswith((".yaml", ".yml")) else files.get(name)
    if path is None or not path.is_file():
        raise TaskNotFoundError(
            f"Expects a suite name or a suite file, actual value: {name!r}; "
            f"suites: {', '.join(sorted(files)) or 'none'}"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Suite.model_validate({"name": path.stem, **data})
    except (yaml.YAMLError, ValidationError) as exc:
        raise TaskFormatError(f"{path} is not a suite: {exc}") from exc
