"""Importing a whole Harbor dataset: every task folder under the given folders, one row each."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.terminal.harbor.importer import HarborImport, Semantics, import_harbor_task


@dataclass
class ImportRow:
    """One task of an import: what became of it.

    Attributes:
        source: The Harbor task folder.
        status: ``imported`` (bwrap and docker), ``docker-only``, or ``refused``.
        reason: Why it is docker-only or refused (empty when imported).
        result: The import, unless refused.
        validated: The oracle's and the no-op's scores once played, e.g.
            ``oracle 1.00, no-op 0.00`` (``-`` for an episode that did not finish); empty
            when not played.
        valid: Whether the oracle scored 1 and the no-op below 0.5 (None when not played).
        problem: What stopped an episode while validating (a failed build, say).
    """

    source: Path
    status: str
    reason: str = ""
    result: HarborImport | None = None
    validated: str = ""
    valid: bool | None = None
    problem: str = ""
    warnings: list[str] = field(default_factory=list)


def harbor_task_folders(paths: Iterable[Path]) -> list[Path]:
    """The Harbor task folders among ``paths``.

    Each path is a task itself if it has a ``task.toml``, else a dataset: its sub-folders
    that have one, sorted by name.

    Raises:
        TaskFormatError: For a path that is neither a task nor a dataset folder.
    """
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if (path / "task.toml").is_file():
            found.append(path)
            continue
        tasks = (
            sorted(p for p in path.iterdir() if (p / "task.toml").is_file())
            if path.is_dir()
            else []
        )
        if not tasks:
            raise TaskFormatError(
                f"{path}: expects a Harbor task folder (with task.toml) or a dataset folder "
                "whose sub-folders are tasks; found neither"
            )
        found.extend(tasks)
    return found


def import_dataset(
    sources: Iterable[Path],
    tasks_root: Path,
    *,
    version: str = "1.0.0",
    force: bool = False,
    semantics: Semantics = "harbor",
    base_image: str | None = None,
) -> Iterator[ImportRow]:
    """Import every task folder under ``sources``; one row per task, as it is done.

    A task that cannot be imported is a ``refused`` row with the reason; the others go on.
    """
    for source in harbor_task_folders(sources):
        yield import_one(source, tasks_root, version=version, force=force,
                         semantics=semantics, base_image=base_image)  # fmt: skip


def import_one(source: Path, tasks_root: Path, **options: Any) -> ImportRow:
    """Import one task folder (``options`` as :func:`import_harbor_task` takes them) as a row."""
    try:
        result = import_harbor_task(source, tasks_root, **options)
    except TaskFormatError as exc:
        return ImportRow(source, "refused", exc.message)
    status, reason = (
        ("docker-only", result.docker_only[0]) if result.docker_only else ("imported", "")
    )
    return ImportRow(source, status, reason, result, warnings=result.warnings)


Player = Callable[[str], tuple[float | None, float | None, str]]
"""Plays a task id: the oracle's score, the no-op's, and what went wrong (empty if nothing)."""


def validate_row(row: ImportRow, play: Player) -> None:
    """Play the row's task with ``play`` and record the verdict in it."""
    if row.result is None:
        return
    oracle, noop, problem = play(row.result.task_id)
    shown = lambda score: "-" if score is None else f"{score:.2f}"  # noqa: E731
    row.validated = f"oracle {shown(oracle)}, no-op {shown(noop)}"
    row.problem = problem
    row.valid = oracle == 1.0 and noop is not None and noop < 0.5 and not problem


def one_line(text: str, width: int) -> str:
    r"""``text``'s first line, cut to ``width`` characters.

    Example:
        >>> one_line("step 4/9 failed\nmore", 20)
        'step 4/9 failed'
    """
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width else first[: width - 3] + "..."


def table(rows: list[ImportRow]) -> str:
    """The rows as a fixed-width table (task, status, validated, reason), then the counts.

    Each cell is one line; a problem met while validating is shown in full below the table.
    """
    header = ("task", "status", "validated", "reason")
    lines = [
        (r.source.name, r.status, r.validated or "-", one_line(r.reason, 120) or "-") for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
           for line in [header, *lines]]  # fmt: skip
    counts = {s: sum(r.status == s for r in rows) for s in ("imported", "docker-only", "refused")}
    played = [r for r in rows if r.valid is not None]
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    if played:
        summary += f"; validated {sum(bool(r.valid) for r in played)} of {len(played)} played"
    out.append(summary)
    for row in rows:
        if row.problem:
            detail = "\n".join(row.problem.strip().splitlines()[:12])
            out.append(f"\n{row.source.name}: {detail}")
    return "\n".join(out)
