"""Task definitions (``tasks/<family>/<name>/task.yaml``) and their catalogue.

A task folder is ``<name>`` for the current version or ``<name>@<version>`` for an
older one kept for pinned suites. ``TaskCatalog.resolve("family/name@1.0.0")`` finds
one version; without ``@version`` it finds the latest.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import string
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from skillgym.envs.core.errors import TaskFormatError, TaskNotFoundError

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
TASK_ID = re.compile(r"^[a-z][a-z0-9_]*/[a-z0-9][a-z0-9-]*$")


class TaskLimits(BaseModel):
    """How long an episode may run before it is truncated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(default=50, gt=0)
    max_seconds: float = Field(default=600.0, gt=0)


class TaskSpec(BaseModel):
    """One version of one task, as its ``task.yaml`` declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    family: str
    title: str
    instruction: str
    generator: str = Field(
        default="generate.py",
        description="generate.py (the file beside task.yaml), or static for a task that draws nothing.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Checked by the Params model of generate.py."
    )
    limits: TaskLimits = TaskLimits()
    difficulty: Literal["easy", "medium", "hard"]
    tags: list[str] = Field(default_factory=list)
    files: dict[str, str] = Field(default_factory=dict)
    sandbox: dict[str, Any] = Field(
        default_factory=dict,
        description="What the task needs of its sandbox; read by the families that run one (terminal).",
    )
    verifier: int = Field(
        default=1,
        ge=1,
        description=(
            "The revision of its family's verifier this version is judged by. A family keeps "
            "every revision it has released, so a locked version plays as it did when it was "
            "locked while a new version gets the stricter checks."
        ),
    )
    _folder: Path | None = PrivateAttr(default=None)
    _root: Path | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not TASK_ID.match(value):
            raise ValueError(f"expects an id like 'family/task-name', actual value: {value!r}")
        return value

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not SEMVER.match(value):
            raise ValueError(f"expects a semantic version like '1.0.0', actual value: {value!r}")
        return value

    @field_validator("instruction")
    @classmethod
    def _plain_placeholders(cls, value: str) -> str:
        for _, field, _, _ in string.Formatter().parse(value):
            if field is not None and not field.isidentifier():
                raise ValueError(
                    f"expects placeholders like {{name}}, actual placeholder: {{{field}}}"
                )
        return value

    @model_validator(mode="after")
    def _family_matches_id(self) -> TaskSpec:
        if self.id.split("/", 1)[0] != self.family:
            raise ValueError(f"id {self.id!r} must start with its family {self.family!r}/")
        return self

    @property
    def ref(self) -> str:
        """``id@version``: the reference that pins this task's content."""
        return f"{self.id}@{self.version}"

    @property
    def folder(self) -> Path | None:
        """The folder the task was loaded from (None for a task built in code)."""
        return self._folder

    @property
    def root(self) -> Path | None:
        """The tasks folder (holding ``versions.lock``) the task was loaded from."""
        return self._root

    @cached_property
    def content_hash(self) -> str:
        """sha256 over every file of the task's folder, names and bytes.

        A task built in code hashes its definition instead. Only the files count, not their parsed form, so upgrading SkillGym or pydantic
        never changes a task's hash; ``__pycache__`` folders are skipped.
        """
        if self._folder is None:
            return hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        digest = hashlib.sha256()
        for path in sorted(self._folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                name = path.relative_to(self._folder).as_posix().encode()
                digest.update(len(name).to_bytes(4, "big") + name)
                data = path.read_bytes()
                digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def render_instruction(self, variables: dict[str, Any]) -> str:
        """The instruction with the episode's variables filled in.

        Raises:
            TaskFormatError: If the template names a variable the generator did not make.
        """
        try:
            return self.instruction.format_map(variables)
        except KeyError as exc:
            raise TaskFormatError(
                f"{self.ref}: instruction uses {{{exc.args[0]}}} but the generator made only "
                f"{sorted(variables)}"
            ) from None


def split_ref(ref: str) -> tuple[str, str | None]:
    """Split ``"family/name@1.0.0"`` into ``("family/name", "1.0.0")``; no version gives None."""
    task_id, _, version = ref.partition("@")
    return task_id, version or None


def load_task_file(path: Path) -> TaskSpec:
    """Parse and validate one ``task.yaml``.

    Raises:
        TaskFormatError: Naming the file and every problem in it.
    """
    import yaml  # only in-process environments need YAML; the light client never loads tasks

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaskFormatError(f"{path}: cannot read task file: {exc}") from None
    if not isinstance(data, dict):
        raise TaskFormatError(f"{path}: expects a mapping of task fields, actual value: {data!r}")
    try:
        spec = TaskSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()
        )
        raise TaskFormatError(f"{path}: {problems}") from None
    expected_folder = {spec.id.split("/", 1)[1], f"{spec.id.split('/', 1)[1]}@{spec.version}"}
    if path.parent.name not in expected_folder or path.parent.parent.name != spec.family:
        raise TaskFormatError(
            f"{path}: expects the folder tasks/{spec.family}/{spec.id.split('/', 1)[1]}[@{spec.version}], "
            f"actual folder: {path.parent.parent.name}/{path.parent.name}"
        )
    spec._folder = path.parent
    spec._root = path.parent.parent.parent
    return spec


def version_key(version: str) -> tuple[int, ...]:
    """A version's numbers, for ordering: ``1.10.0`` after ``1.9.0``."""
    return tuple(int(part) for part in version.split("."))


class TaskCatalog:
    """Every task version found under one tasks folder.

    Example:
        >>> catalog = TaskCatalog.load()
        >>> catalog.resolve("arithmetic/sum-list").id
        'arithmetic/sum-list'
    """

    def __init__(self, specs: list[TaskSpec]) -> None:
        self._versions: dict[str, dict[str, TaskSpec]] = {}
        for spec in specs:
            versions = self._versions.setdefault(spec.id, {})
            if spec.version in versions:
                raise TaskFormatError(
                    f"{spec.ref} is defined twice: in {versions[spec.version].folder} and {spec.folder}"
                )
            versions[spec.version] = spec

    @classmethod
    def load(cls, *roots: Path | str) -> TaskCatalog:
        """Load every ``<family>/<name>[@<version>]/task.yaml`` under ``roots``.

        Without roots: every installed task pack (the bundled tasks are one) and the
        folders in ``$SKILLGYM_TASKS_DIR`` (see :func:`default_task_roots`).

        Raises:
            TaskFormatError: For a folder that does not exist, a task file that does not
                parse, or one version defined in two places.
        """
        folders = [Path(root) for root in roots] if roots else default_task_roots()
        specs = []
        for root in folders:
            if not root.is_dir():
                raise TaskFormatError(f"Expects a tasks folder, actual path does not exist: {root}")
            specs += [load_task_file(p) for p in sorted(root.glob("*/*/task.yaml"))]
        return cls(specs)

    def ids(self, family: str | None = None) -> list[str]:
        """Task ids, sorted, optionally of one family."""
        return sorted(i for i in self._versions if family is None or i.split("/", 1)[0] == family)

    def versions(self, task_id: str) -> list[TaskSpec]:
        """Every version of one task, oldest first.

        Raises:
            TaskNotFoundError: For an unknown id, suggesting close matches.
        """
        if task_id not in self._versions:
            raise TaskNotFoundError(self._unknown_id_message(task_id))
        return [
            self._versions[task_id][v] for v in sorted(self._versions[task_id], key=version_key)
        ]

    def latest(self, family: str | None = None) -> list[TaskSpec]:
        """The latest version of every task, optionally of one family."""
        return [self.versions(i)[-1] for i in self.ids(family)]

    def resolve(self, ref: str, *, family: str | None = None) -> TaskSpec:
        """Find ``id@version``, or the latest version of ``id``.

        Raises:
            TaskNotFoundError: For an unknown id or version, or a task of another family.
        """
        task_id, version = split_ref(ref)
        versions = self.versions(task_id)
        if family is not None and versions[0].family != family:
            raise TaskNotFoundError(
                f"Task {task_id!r} belongs to family {versions[0].family!r}, not {family!r}."
            )
        if version is None:
            return versions[-1]
        for spec in versions:
            if spec.version == version:
                return spec
        known = ", ".join(s.version for s in versions)
        raise TaskNotFoundError(
            f"Task {task_id!r} has no version {version!r}; available versions: {known}."
        )

    def _unknown_id_message(self, task_id: str) -> str:
        message = f"Unknown task {task_id!r}."
        close = difflib.get_close_matches(task_id, list(self._versions), n=1)
        return (
            f"{message} Did you mean {close[0]}?"
            if close
            else f"{message} Known tasks: {', '.join(self.ids())}."
        )


TASK_PACKS_GROUP = "skillgym.tasks"
"""The entry point group of task packs: ``name = "package"``, the package's folder holding
``<family>/<name>/task.yaml`` and its ``versions.lock`` (SkillGym's own tasks are one)."""


def default_tasks_dir() -> Path:
    """The tasks bundled with SkillGym (the folder of ``skillgym.tasks``)."""
    import skillgym.tasks

    return Path(next(iter(skillgym.tasks.__path__)))


def task_pack_roots() -> list[Path]:
    """The folders of the installed task packs, the bundled tasks first.

    Raises:
        TaskFormatError: For a pack whose entry point does not name an importable package.
    """
    from importlib.metadata import entry_points

    roots = [default_tasks_dir()]
    for point in sorted(entry_points(group=TASK_PACKS_GROUP), key=lambda p: p.name):
        try:
            module = point.load()
        except Exception as exc:  # someone else's package: report which one failed
            raise TaskFormatError(
                f"Task pack {point.name!r} ({point.value}) failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        paths = list(getattr(module, "__path__", []))
        if not paths:
            raise TaskFormatError(
                f"Task pack {point.name!r} expects {point.value!r} to be a package (a folder of "
                "tasks), actual value: a module"
            )
        root = Path(paths[0])
        if root.resolve() not in {r.resolve() for r in roots}:
            roots.append(root)
    return roots


def default_task_roots(extra: Sequence[Path] | None = None) -> list[Path]:
    """Where tasks come from by default: the installed packs, then ``extra`` folders.

    Without ``extra``: the folders of ``$SKILLGYM_TASKS_DIR`` (one, or several separated
    by ``os.pathsep``, ``:``).
    """
    if extra is None:
        # imported here: ``import skillgym`` loads this module, and the light client has no
        # pydantic-settings
        from skillgym.envs.core.settings import CatalogSettings

        extra = CatalogSettings.from_environment().tasks_dir or []
    roots = task_pack_roots()
    known = {r.resolve() for r in roots}
    return roots + [p for p in extra if p.resolve() not in known]
