"""Seeded project directory with awkward file names, modes, mtimes, symlinks and an empty folder."""

from __future__ import annotations

import hashlib
from random import Random

from skillgym.envs.terminal.generation import Generated

PROJECTS = ["customer data", "site assets", "q3 reports", "design files", "field notes"]
AWKWARD = [
    "read me.txt",
    "line\nbreak.txt",
    "-rf",
    "--help",
    "*",
    "$(touch pwned)",
    "tab\there.log",
    "ünïcode.md",
    ".env",
    " leading space.txt",
    "trailing space ",
    "back\\slash",
    "it's.txt",
    "[abc]",
]
PLAIN = ["index.html", "summary.csv", "notes.md", "logo.svg", "data.json", "build.sh", "todo.txt"]
FOLDERS = ["drafts", "old stuff", "-archive", ".cache", "2025 Q1", "images"]
NOW = 1_741_000_000


def generate(rng: Random) -> Generated:
    """A directory to back up and what its backup must hold."""
    project = rng.choice(PROJECTS)
    stamp = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    dest_name = f"{project.replace(' ', '-')} {stamp}"
    folders = ["", *rng.sample(FOLDERS, 3)]
    folders.append(f"{folders[1]}/{rng.choice(['nested', 'deeper', '-x'])}")
    names = rng.sample(AWKWARD, 9) + rng.sample(PLAIN, 4)
    files: dict[str, str | bytes] = {}
    executable: set[str] = set()
    manifest: list[tuple[str, str, str]] = []
    expected: dict[str, list[object]] = {}
    for name in names:
        path = "/".join(part for part in (rng.choice(folders), name) if part)
        body = "".join(
            f"{name!r} line {i}: {rng.randrange(10**9)}\n" for i in range(rng.randint(1, 40))
        ).encode()
        mode = rng.choice([0o644, 0o644, 0o600, 0o755, 0o444])
        mtime = NOW - rng.randint(0, 400) * 86_400 - rng.randint(0, 86_399)
        files[f"{project}/{path}"] = body
        if mode & 0o111:
            executable.add(f"{project}/{path}")
        manifest.append(("file", f"{mode:o}:{mtime}", path))
        expected[path] = ["file", mode, mtime, hashlib.sha256(body).hexdigest()]
    target = rng.choice([p for p in expected if "/" not in p])
    manifest.append(("link", target, "latest"))
    manifest.append(("link", "../gone/missing.txt", "dangling link"))
    manifest.append(("dir", "", "empty folder"))
    expected["latest"] = ["link", target]
    expected["dangling link"] = ["link", "../gone/missing.txt"]
    expected["empty folder"] = ["dir"]
    for folder in folders[1:]:
        manifest.append(("dir", "", folder))
        expected[folder] = ["dir"]
    files[".manifest"] = "".join(
        f"{kind}\0{arg}\0{project}/{path}\0" for kind, arg, path in manifest
    )
    return Generated(
        variables={"src_name": project, "dest_name": dest_name},
        files=files,
        executable=executable,
        expected={"tree": dict(sorted(expected.items()))},
    )
