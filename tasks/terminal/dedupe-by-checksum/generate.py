"""A team share with duplicate files under other names, near copies, empties and a symlink.

Each group of identical files has one original, the oldest; one group holds a copy
modified in the same second as its original (the path decides), one group's original is
not the first of its paths (so "keep the first path" fails). Modes and times are set by
setup.sh from ``stamps``; the tests get every group, what must stay apart and the log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from random import Random

from pydantic import BaseModel, ConfigDict, Field

from skillgym.envs.terminal.generation import Generated

FOLDERS = (
    "photos/2023",
    "photos/2024/summer trip",
    "exports",
    "backups/old copies",
    "-scratch",
    "team's notes",
    "finance/Q3",
)
STEMS = (
    ("IMG_0412", ".jpg"),
    ("IMG_1187", ".jpg"),
    ("invoice 2024-03", ".pdf"),
    ("budget", ".xlsx"),
    ("Q3 report (final)", ".docx"),
    ("it's done", ".txt"),
    ("-draft", ".md"),
    ("logo", ".png"),
    ("minutes", ".txt"),
    ("customers", ".csv"),
    ("roadmap", ".md"),
    ("contract signed", ".pdf"),
)
COPY_NAMES = ("{stem}{ext}", "{stem} (1){ext}", "copy of {stem}{ext}", "{stem}{ext}.bak")
MODES = ("644", "640", "600", "664")
FIRST_STAMP = 1_704_067_200  # 2024-01-01 00:00:00 UTC


@dataclass(frozen=True)
class Group:
    """Files with one content: their paths (byte order), the original, its mode and time."""

    paths: list[str]
    original: str
    mode: int
    mtime: int

    def under(self, share: str) -> dict[str, object]:
        """The group as the tests read it, paths from the workspace."""
        return {
            "paths": [f"{share}/{p}" for p in self.paths],
            "original": f"{share}/{self.original}",
            "mode": self.mode,
            "mtime": self.mtime,
        }


class Params(BaseModel):
    """How many groups of duplicates and how many files without a copy."""

    model_config = ConfigDict(extra="forbid")

    groups: int = Field(default=5, ge=3, le=10)
    singles: int = Field(default=5, ge=2, le=20)


def content(rng: Random, stem: str, ext: str) -> bytes:
    """A file's bytes: binary for images and documents, lines of text for the rest."""
    if ext in (".jpg", ".png", ".pdf", ".docx", ".xlsx"):
        return rng.randbytes(rng.randint(300, 4000))
    lines = [f"{stem} line {i}: {rng.randint(0, 10**9)}" for i in range(rng.randint(3, 40))]
    return ("\n".join(lines) + "\n").encode()


def generate(rng: Random, params: Params) -> Generated:
    """The share, how setup.sh stamps it, and what the tests expect."""
    share = "share"
    used: set[str] = set()

    def place(stem: str, ext: str, pattern: str = "{stem}{ext}") -> str:
        while True:
            path = f"{rng.choice(FOLDERS)}/{pattern.format(stem=stem, ext=ext)}"
            if path not in used:
                used.add(path)
                return path

    files: dict[str, bytes] = {}
    stamps: dict[str, tuple[str, int]] = {}
    groups: list[Group] = []
    stems = rng.sample(STEMS, params.groups)
    for number, (stem, ext) in enumerate(stems):
        data = content(rng, stem, ext)
        patterns = rng.sample(COPY_NAMES, rng.randint(2, 4))
        paths = sorted((place(stem, ext, p) for p in patterns), key=str.encode)
        oldest = FIRST_STAMP + rng.randrange(0, 5_000_000)
        if number == 0:  # the first path is a copy: keeping "the first path" is wrong
            original = rng.choice(paths[1:])
        elif number == 1:  # a copy saved in the same second: the path decides
            original = paths[0]
        else:
            original = rng.choice(paths)
        for path in paths:
            files[path] = data
            later = oldest + rng.randrange(60, 3_000_000)
            if path == original or (number == 1 and path == paths[1]):
                when = oldest
            else:
                when = later
            stamps[path] = (rng.choice(MODES), when)
        if number == 1:  # tied files differ in mode, so the kept one shows
            stamps[paths[1]] = (
                rng.choice([m for m in MODES if m != stamps[original][0]]),
                oldest,
            )
        mode, when = stamps[original]
        groups.append(Group(paths, original, int(mode, 8), when))
    apart = []
    for stem, ext in rng.sample([s for s in STEMS if s not in stems], params.singles):
        path = place(stem, ext)
        files[path] = content(rng, stem, ext)
        apart.append(path)
    # an edited copy: the same size as a group's files, one byte different
    base = groups[rng.randrange(len(groups))]
    edited = bytearray(files[base.original])
    edited[len(edited) // 2] ^= 0x5A
    near = place("edited", ".bak")
    files[near] = bytes(edited)
    apart.append(near)
    empties = [place(".keep", ""), place(".keep", ""), place("empty", ".log")]
    for path in empties:
        files[path] = b""
    for path in [*apart, *empties]:
        stamps[path] = (rng.choice(MODES), FIRST_STAMP + rng.randrange(0, 8_000_000))
    linked = rng.choice(groups).original
    log = sorted(
        (
            f"{share}/{p} -> {share}/{g.original}"
            for g in groups
            for p in g.paths
            if p != g.original
        ),
        key=str.encode,
    )
    return Generated(
        variables={
            "share": share,
            "stamps": "".join(
                f"{mode}\t{when}\t{share}/{path}\n" for path, (mode, when) in sorted(stamps.items())
            ),
            "link_name": f"{share}/latest",
            "link_target": linked,
        },
        files={f"{share}/{path}": data for path, data in files.items()},
        expected={
            "groups": [g.under(share) for g in groups],
            "apart": {f"{share}/{p}": hashlib.sha256(files[p]).hexdigest() for p in apart},
            "empties": [f"{share}/{p}" for p in empties],
            "log": log,
        },
    )
