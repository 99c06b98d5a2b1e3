"""The trajectory file: one group per line, appended and flushed as each group ends.

A run killed at any moment leaves every finished group on disk; at worst its last
line is torn, and :func:`open_for_resume` cuts it off before a rerun appends the
groups still missing.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "traj.jsonl"
    >>> read_groups(path)
    []
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from pydantic import ValidationError

from skillgym.clients.rollout.trajectory import Group
from skillgym.envs.core.errors import SkillGymError


class TrajectoryFileError(SkillGymError):
    """A trajectory file has a line that is not a group (other than a torn last line)."""


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(offset, line, ends with a newline) for each line of ``path``."""
    with open(path, "rb") as f:
        offset = 0
        for line in f:
            yield offset, line, line.endswith(b"\n")
            offset += len(line)


def read_groups(path: Path | str, *, include_dropped: bool = True) -> list[Group]:
    """Every whole group in ``path`` (none if it does not exist), in file order.

    Args:
        path: The trajectory file.
        include_dropped: Also the groups a run marked ``dropped`` (all rewards equal),
            which a trainer skips.

    Raises:
        TrajectoryFileError: A line other than a torn last one is not a group.
    """
    path = Path(path)
    if not path.exists():
        return []
    groups: list[Group] = []
    for number, (_, line, whole) in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            group = Group.model_validate_json(line)
        except ValidationError as exc:
            if not whole:  # a run stopped while writing it
                break
            raise TrajectoryFileError(
                f"{path}:{number} is not a trajectory group "
                f"(schema skillgym.trajectory/1): {exc.errors()[0]['msg']}"
            ) from exc
        if include_dropped or group.dropped is None:
            groups.append(group)
    return groups


def open_for_resume(path: Path | str) -> list[Group]:
    """The groups already in ``path``, after cutting off a torn last line."""
    path = Path(path)
    if not path.exists():
        return []
    good_end = 0
    for offset, line, whole in _lines(path):
        if whole:
            good_end = offset + len(line)
    if good_end != path.stat().st_size:
        with open(path, "r+b") as f:
            f.truncate(good_end)
    return read_groups(path)


class TrajectoryWriter:
    """Appends groups to a JSON-lines file, each flushed to disk when written."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")

    def write(self, group: Group) -> None:
        """Append ``group`` as one line and make it durable."""
        self._file.write(group.model_dump_json().encode() + b"\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
