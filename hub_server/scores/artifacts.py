"""The files of verified episodes: a folder per run and slot, written once.

Example:
    >>> import tempfile
    >>> store = ArtifactStore(Path(tempfile.mkdtemp()))
    >>> store.save("a1", 0, "transcript.json", b"[]")
    'transcript.json'
    >>> store.path("a1", 0, "transcript.json").read_bytes()
    b'[]'
"""

from __future__ import annotations

import re
from pathlib import Path

from skillgym.envs.core.errors import ArtifactNotFoundError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SAFE_RUN = re.compile(r"^[0-9a-f]{1,32}$")


class ArtifactStore:
    """Keeps and finds the files of each run's episodes under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, run_id: str, slot: int) -> Path:
        if not _SAFE_RUN.match(run_id) or slot < 0:
            raise ArtifactNotFoundError(f"No artifacts for run {run_id!r}, slot {slot}.")
        return self.root / run_id / str(slot)

    def save(self, run_id: str, slot: int, name: str, data: bytes) -> str:
        """Write one file of an episode; returns its name."""
        if not _SAFE_NAME.match(name):
            raise ValueError(f"Expects an artifact name like workbook.xlsx, actual value: {name!r}")
        folder = self._folder(run_id, slot)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(folder / name)  # readers see the whole file or none
        return name

    def path(self, run_id: str, slot: int, name: str) -> Path:
        """The file, if the episode has one by that name.

        Raises:
            ArtifactNotFoundError: It has none (names are checked: no path escapes).
        """
        folder = self._folder(run_id, slot)
        if _SAFE_NAME.match(name) and (folder / name).is_file():
            return folder / name
        kept = sorted(p.name for p in folder.glob("*") if _SAFE_NAME.match(p.name))
        raise ArtifactNotFoundError(
            f"Episode {slot} of run {run_id} has no file {name!r}; "
            f"it has: {', '.join(kept) or 'none'}."
        )
