"""``tasks/versions.lock``: what every released task version is, pinned.

One line per version: ``<id> <version> sha256:<files> episodes:<fingerprint>``, sorted,
so a pull request shows exactly which versions it adds. ``sha256`` covers the task
folder's files; ``episodes`` covers what the family's code makes of them (the first
observation and the oracle's verification for seeds 0-2), so a change to a family's
generator or verifier cannot silently alter a locked version either. A locked
version never changes: a change needs a new version, which keeps every pinned suite
and leaderboard comparable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.core.tasks import SEMVER, TASK_ID, TaskSpec, default_tasks_dir

LOCK_NAME = "versions.lock"
_LINE = re.compile(r"^(\S+) (\S+) sha256:([0-9a-f]{64}) episodes:([0-9a-f]{64})$")
_HEADER = (
    "# SkillGym task versions: sha256 of the task folder's files, and a fingerprint of the\n"
    "# episodes the family makes of them (seeds 0-2). Written by `skillgym validate --update-lock`;\n"
    "# a locked version never changes.\n"
)


def next_patch(version: str) -> str:
    """``1.2.3`` -> ``1.2.4``: the smallest version bump."""
    major, minor, patch = version.split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


@dataclass(frozen=True)
class LockEntry:
    """One locked version: the hash of its files and the fingerprint of its episodes."""

    content: str
    episodes: str


@dataclass(frozen=True)
class VersionsLock:
    """The locked versions.

    Example:
        >>> lock = VersionsLock({("arithmetic/sum-list", "1.0.0"): LockEntry("ab" * 32, "cd" * 32)})
        >>> lock.entry("arithmetic/sum-list", "1.0.0").content[:4]
        'abab'
    """

    entries: dict[tuple[str, str], LockEntry]

    @classmethod
    def load(cls, path: Path) -> VersionsLock:
        """Read a lock file (a missing file is an empty lock).

        Raises:
            TaskFormatError: Naming the line that does not parse.
        """
        if not path.exists():
            return cls({})
        entries: dict[tuple[str, str], LockEntry] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            match = _LINE.match(line)
            if not match or not TASK_ID.match(match[1]) or not SEMVER.match(match[2]):
                raise TaskFormatError(
                    f"{path}:{number}: expects '<family/name> <1.0.0> sha256:<64 hex> episodes:<64 hex>', "
                    f"actual line: {line!r}"
                )
            entries[(match[1], match[2])] = LockEntry(match[3], match[4])
        return cls(entries)

    def entry(self, task_id: str, version: str) -> LockEntry | None:
        """The locked entry of one version, or None if it is not locked."""
        return self.entries.get((task_id, version))

    def problem(self, spec: TaskSpec, episodes: str | None = None) -> str | None:
        """What is wrong with ``spec`` (and its episode fingerprint, if given) against the lock."""
        locked = self.entry(spec.id, spec.version)
        if locked is None:
            where = ""
            if spec.root is not None and spec.root.resolve() != default_tasks_dir().resolve():
                where = f" --tasks-dir {spec.root}"
            return (
                f"{spec.ref} is not in {LOCK_NAME}: run `skillgym validate --update-lock{where}` "
                "to add it."
            )
        if locked.content != spec.content_hash and episodes == locked.episodes:
            return (
                f"{spec.ref}'s files changed since it was locked (sha256 {locked.content[:12]}... is "
                f"now {spec.content_hash[:12]}...) but its episodes did not (seeds 0-2 are identical). "
                "If files only moved (e.g. a generator into the task's folder), accept the new hash "
                "with `skillgym validate --rehash`; otherwise give the change a new version, e.g. "
                f"{next_patch(spec.version)}."
            )
        if locked.content != spec.content_hash:
            return (
                f"{spec.ref} changed since it was locked (sha256 {locked.content[:12]}... is now "
                f"{spec.content_hash[:12]}...): give the change a new version, e.g. "
                f"{next_patch(spec.version)}, keeping the old one as {spec.id.split('/')[1]}@{spec.version}/ "
                "if a suite pins it."
            )
        if episodes is not None and locked.episodes != episodes:
            return (
                f"{spec.ref}'s episodes changed while its files did not: the {spec.family} family's "
                "code now generates or verifies them differently (seeds 0-2), so results pinned to this "
                "version would no longer compare. Restore the old behaviour, or release the task as "
                f"{next_patch(spec.version)}."
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

    def adding(self, versions: list[tuple[TaskSpec, str]]) -> VersionsLock:
        """This lock plus the ``(spec, episodes)`` it does not hold yet (locked ones never change)."""
        entries = dict(self.entries)
        for spec, episodes in versions:
            entries.setdefault((spec.id, spec.version), LockEntry(spec.content_hash, episodes))
        return VersionsLock(entries)

    def rehashing(self, versions: list[tuple[TaskSpec, str]]) -> tuple[VersionsLock, list[str]]:
        """This lock with new file hashes for ``(spec, episodes)`` whose episodes are unchanged.

        For moving files without changing what a version plays: a version whose episode
        fingerprint differs from its locked one keeps its line. Returns the new lock and
        the refs it rehashed.
        """
        entries = dict(self.entries)
        rehashed = []
        for spec, episodes in versions:
            locked = entries.get((spec.id, spec.version))
            if (
                locked is not None
                and locked.episodes == episodes
                and locked.content != spec.content_hash
            ):
                entries[(spec.id, spec.version)] = LockEntry(spec.content_hash, episodes)
                rehashed.append(spec.ref)
        return VersionsLock(entries), rehashed

    def write(self, path: Path) -> None:
        """Write the lock, sorted by id and version."""

        def order(key: tuple[str, str]) -> tuple[str, tuple[int, ...]]:
            return key[0], tuple(int(part) for part in key[1].split("."))

        lines = [
            f"{task_id} {version} sha256:{entry.content} episodes:{entry.episodes}"
            for (task_id, version), entry in sorted(
                self.entries.items(), key=lambda item: order(item[0])
            )
        ]
        path.write_text(_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
