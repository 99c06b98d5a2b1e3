"""``tasks/versions.lock``: the content hash of every released task version.

One line per version, ``<id> <version> sha256:<hex>``, sorted, so a pull request shows
exactly which versions it adds. A version's content never changes once locked: a
change needs a new version, which keeps every pinned suite and leaderboard honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.core.tasks import SEMVER, TASK_ID, TaskSpec

from skillgym.errors import TaskFormatError

LOCK_NAME = "versions.lock"
_HEADER = (
    "# SkillGym task versions and their content hashes (sha256 over the task folder's files).\n"
    "# Written by `skillgym validate --update-lock`; a locked version's content never changes.\n"
)


def next_patch(version: str) -> str:
    """``1.2.3`` -> ``1.2.4``: the smallest version bump."""
    major, minor, patch = version.split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


@dataclass(frozen=True)
class VersionsLock:
    """The locked ``(id, version) -> hash`` pairs.

    Example:
        >>> lock = VersionsLock({("arithmetic/sum-list", "1.0.0"): "ab" * 32})
        >>> lock.hash_of("arithmetic/sum-list", "1.0.0")[:4]
        'abab'
    """

    entries: dict[tuple[str, str], str]

    @classmethod
    def load(cls, path: Path) -> VersionsLock:
        """Read a lock file (a missing file is an empty lock).

        Raises:
            TaskFormatError: Naming the line that does not parse.
        """
        if not path.exists():
            return cls({})
        entries: dict[tuple[str, str], str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split()
            valid = (
                len(parts) == 3
                and TASK_ID.match(parts[0])
                and SEMVER.match(parts[1])
                and parts[2].startswith("sha256:")
                and len(parts[2]) == 71
            )
            if not valid:
                raise TaskFormatError(
                    f"{path}:{number}: expects '<family/name> <1.0.0> sha256:<64 hex digits>', actual line: {line!r}"
                )
            entries[(parts[0], parts[1])] = parts[2].removeprefix("sha256:")
        return cls(entries)

    def hash_of(self, task_id: str, version: str) -> str | None:
        """The locked hash of one version, or None if it is not locked."""
        return self.entries.get((task_id, version))

    def problem(self, spec: TaskSpec) -> str | None:
        """What is wrong with ``spec`` against the lock, or None."""
        locked = self.hash_of(spec.id, spec.version)
        if locked is None:
            return f"{spec.ref} is not in {LOCK_NAME}: run `skillgym validate --update-lock` to add it."
        if locked != spec.content_hash:
            return (
                f"{spec.ref} changed since it was locked (sha256 {locked[:12]}... is now "
                f"{spec.content_hash[:12]}...): give the change a new version, e.g. "
                f"{next_patch(spec.version)}, keeping the old one as {spec.id.split('/')[1]}@{spec.version}/ "
                "if a suite pins it."
            )
        return None

    def missing(self, specs: list[TaskSpec]) -> list[str]:
        """Locked versions no longer in the catalogue (a pinned suite may need them)."""
        present = {(s.id, s.version) for s in specs}
        return [
            f"{task_id}@{version} is locked but no longer in the tasks folder: restore it, or "
            f"remove its line from {LOCK_NAME} if no suite pins it."
            for task_id, version in sorted(self.entries)
            if (task_id, version) not in present
        ]

    def adding(self, specs: list[TaskSpec]) -> VersionsLock:
        """This lock plus the versions it does not hold yet (locked ones never change)."""
        entries = dict(self.entries)
        for spec in specs:
            entries.setdefault((spec.id, spec.version), spec.content_hash)
        return VersionsLock(entries)

    def write(self, path: Path) -> None:
        """Write the lock, sorted by id and version."""
        lines = [
            f"{task_id} {version} sha256:{digest}"
            for (task_id, version), digest in sorted(
                self.entries.items(),
                key=lambda item: (item[0][0], tuple(map(int, item[0][1].split(".")))),
            )
        ]
        path.write_text(_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
