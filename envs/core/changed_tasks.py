"""Which tasks a branch changed: what ``skillgym validate --changed`` checks in a pull request.

A task counts as changed when a file of its folder (any version) differs from the base
branch, is staged, modified or new. A change to a family's own package
(``envs/<family>/``) changes every task of that family, since its code makes their
episodes.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.core.errors import SkillGymError
from skillgym.envs.core.tasks import TaskCatalog


@dataclass(frozen=True)
class ChangedTasks:
    """The task ids a branch changed, and why each is in the list."""

    ids: list[str]
    reasons: dict[str, str]


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, check=True, timeout=60
        )
    except FileNotFoundError:
        raise SkillGymError("--changed needs git, which is not installed") from None
    except subprocess.CalledProcessError as exc:
        raise SkillGymError(
            f"git {' '.join(args)} failed in {folder}: {exc.stderr.strip()}"
        ) from None
    return done.stdout


def changed_paths(folder: Path, base: str) -> tuple[Path, list[Path]]:
    """The repository holding ``folder`` and every path changed since it left ``base``.

    Raises:
        SkillGymError: Outside a git repository, or for a base git does not know.
    """
    top = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    fork = _git(top, "merge-base", base, "HEAD").strip()
    names = _git(top, "diff", "--name-only", fork).splitlines()  # committed, staged and unstaged
    names += _git(top, "ls-files", "--others", "--exclude-standard").splitlines()
    return top, sorted({top / name for name in names if name})


def changed_tasks(catalog: TaskCatalog, root: Path, base: str = "main") -> ChangedTasks:
    """The tasks under ``root`` that differ from ``base`` (a branch, tag or commit)."""
    _, paths = changed_paths(root, base)
    root = root.resolve()
    envs_dir = Path(__file__).resolve().parents[1]
    family_dirs = {spec.family: envs_dir / spec.family for spec in catalog.latest()}
    reasons: dict[str, str] = {}
    for path in paths:
        resolved = path.resolve() if path.exists() else path
        if resolved.is_relative_to(root):
            parts = resolved.relative_to(root).parts
            if len(parts) >= 3:
                task_id = f"{parts[0]}/{parts[1].partition('@')[0]}"
                reasons.setdefault(task_id, f"{resolved.relative_to(root)} changed")
            continue
        for family, family_dir in family_dirs.items():
            if resolved.is_relative_to(family_dir):
                for task_id in catalog.ids(family):
                    reasons.setdefault(task_id, f"the {family} family's code changed ({path.name})")
    known = set(catalog.ids())
    ids = sorted(i for i in reasons if i in known)
    return ChangedTasks(ids, {i: reasons[i] for i in ids})
