"""tests/: the Harbor task's tests made the task's verifier tests."""

from __future__ import annotations

import ast
import posixpath
import re
import shutil
import sys
from pathlib import Path

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.terminal.harbor.commands import classify_command, split_commands, split_packages
from skillgym.envs.terminal.harbor.dockerfile import EnvironmentPlan
from skillgym.envs.terminal.harbor.script_test import GENERATED_TEST, write_script_test
from skillgym.envs.terminal.harbor.scripts import at_verifier, script_lines, script_role, short

INSTALLER_TOOLS = frozenset({"curl", "wget", "ca-certificates", "gnupg"})
"""apt packages a test.sh installs only to fetch uv or pytest: not worth a warning."""


def convert_tests(
    tests: Path,
    out: Path,
    plan: EnvironmentPlan,
    verifier_seconds: float | None,
    notes: list[str],
) -> list[str]:
    """Copy tests/ for /verifier/tests, or wrap test.sh when there is no ``test_*.py``.

    Args:
        tests: The Harbor task's ``tests/``.
        out: The new task's ``tests/``.
        plan: What the Dockerfile gives the task (its workdir and variables).
        verifier_seconds: The verifier's timeout, if task.toml gives one.
        notes: Gets a warning for each file or step that is dropped or needs more.

    Returns:
        The apt packages test.sh installs that every sandbox has.

    Raises:
        TaskFormatError: If tests/ holds neither ``test_*.py`` nor a test.sh.
    """
    files = sorted(p for p in tests.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    python_tests = [p for p in files if re.fullmatch(r"test_.*\.py", p.name)]
    script = tests / "test.sh"
    if not python_tests and not script.is_file():
        raise TaskFormatError(
            f"{tests}: expects test_*.py files or a test.sh, actual files: "
            f"{[p.relative_to(tests).as_posix() for p in files] or 'none'}"
        )
    text = script.read_text(encoding="utf-8") if script.is_file() else ""
    for file in files:
        relative = file.relative_to(tests).as_posix()
        if relative == "test.sh" or _skipped_test_file(relative, bool(python_tests), notes):
            continue
        destination = out / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if file.suffix in (".py", ".sh"):
            text_of = file.read_text(encoding="utf-8", errors="surrogateescape")
            destination.write_text(at_verifier(text_of), encoding="utf-8", errors="surrogateescape")
        else:
            shutil.copyfile(file, destination)
    _check_imports(python_tests, tests, notes)
    if python_tests:
        dropped = [line for line in script_lines(text) if script_role(line) == "other"]
        if dropped:
            notes.append(
                "tests/test.sh is not run (its pytest files are), so these steps of it are "
                f"dropped: {'; '.join(short(line, 60) for line in dropped[:4])}."
            )
    else:
        write_script_test(text, out, plan.workdir, list(plan.env), verifier_seconds, notes)
    return _script_packages(text, notes)


def _skipped_test_file(relative: str, python_mode: bool, notes: list[str]) -> bool:
    name = posixpath.basename(relative)
    if name == "conftest.py":
        notes.append(f"tests/{relative} is dropped: the verifier runs pytest with --noconftest.")
        return True
    if relative == "params.json" or (not python_mode and relative == GENERATED_TEST):
        notes.append(f"tests/{relative} is dropped: the verifier writes a file of that name.")
        return True
    return False


def _check_imports(python_tests: list[Path], tests: Path, notes: list[str]) -> None:
    local = {p.stem for p in tests.rglob("*.py")} | {p.name for p in tests.iterdir() if p.is_dir()}
    allowed = set(sys.stdlib_module_names) | {"pytest", "_pytest"} | local
    for path in python_tests:
        shown = f"tests/{path.relative_to(tests).as_posix()}"
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError as exc:
            notes.append(f"{shown} is not valid Python: {exc}.")
            continue
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        missing = sorted(names - allowed)
        if missing:
            notes.append(
                f"{shown} imports {', '.join(missing)}: the "
                "verifier's python3 has the standard library and pytest only."
            )


def _script_packages(text: str, notes: list[str]) -> list[str]:
    """The apt packages test.sh installs that the sandbox has; warn about the others."""
    wanted: list[str] = []
    for line in script_lines(text):
        if script_role(line) == "install":
            for command in split_commands(line):
                verdict, detail = classify_command(command, "/")
                if verdict == "apt":
                    wanted.extend(detail)
    unique = [p for p in dict.fromkeys(wanted) if p not in INSTALLER_TOOLS]
    present, missing = split_packages(unique, notes)
    if missing:
        notes.append(
            f"tests/test.sh installs apt packages {', '.join(missing)}, which the sandbox lacks."
        )
    return present
