"""A terminal task's folder, read: its sandbox needs, generator, tests, oracle and setup.

::

    tasks/terminal/<name>/
        task.yaml       id, version, instruction, limits, difficulty, tags, sandbox: {...}
        tests/          pytest files, copied into the sandbox only after submit
        solution.sh     the oracle: bash, run in the workspace as the agent
        setup.sh        optional: bash run once before the agent starts (not shown to it)
        generate.py     optional: seeded files and variables (``generator: generate.py``)
        fixtures/       optional: files copied into the workspace as they are
        cheats/         optional: NAME.sh, blunt strategies the task must score < 0.5 on
                        (played like solution.sh by ``skillgym validate``)
"""

from __future__ import annotations

import functools
import io
import json
import shlex
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

from pydantic import ValidationError

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.core.generators import GENERATOR_FILE, STATIC, expect_type, generate_episode
from skillgym.envs.core.tasks import TaskSpec
from skillgym.envs.terminal.generation import Generated
from skillgym.envs.terminal.sandbox import SandboxSpec

GENERATORS = (STATIC, GENERATOR_FILE)
PACKAGES_FILE = Path(__file__).resolve().parents[2] / "containers" / "terminal" / "packages.txt"


@dataclass(frozen=True)
class TerminalTask:
    """One terminal task version's files and sandbox needs."""

    spec: TaskSpec
    sandbox: SandboxSpec
    folder: Path

    @property
    def solution(self) -> str:
        """The oracle's script."""
        return (self.folder / "solution.sh").read_text(encoding="utf-8")

    @property
    def cheats(self) -> dict[str, str]:
        """The task's own blunt strategies: ``cheats/NAME.sh`` by NAME, each a bash script."""
        folder = self.folder / "cheats"
        if not folder.is_dir():
            return {}
        return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.sh"))}

    @property
    def setup_script(self) -> str | None:
        """The setup script, if the task has one."""
        path = self.folder / "setup.sh"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def generate(self, rng: Random) -> Generated:
        """The episode's seeded parts (empty for a static task)."""
        if self.spec.generator == "static":
            return Generated()
        generated: Generated = expect_type(generate_episode(self.spec, rng), Generated, self.spec)
        return generated

    def workspace_tar(self, generated: Generated) -> bytes:
        """fixtures/ and the generated files as one tar (generated files win on a clash)."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            fixtures = self.folder / "fixtures"
            if fixtures.is_dir():
                for path in sorted(fixtures.rglob("*")):
                    name = path.relative_to(fixtures).as_posix()
                    if path.is_file() and name not in generated.files:
                        mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
                        add_file(tar, name, path.read_bytes(), mode)
            for name, content in sorted(generated.files.items()):
                data = content.encode() if isinstance(content, str) else content
                add_file(tar, name, data, 0o755 if name in generated.executable else 0o644)
        return buffer.getvalue()

    def verifier_bundle(
        self, params: dict[str, Any], processes: list[dict[str, Any]], runner_dir: Path
    ) -> bytes:
        """What the verifier receives: tests/, params.json, processes.json and the runner."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in sorted((self.folder / "tests").rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    name = "tests/" + path.relative_to(self.folder / "tests").as_posix()
                    add_file(tar, name, path.read_bytes(), 0o644)
            add_file(tar, "tests/params.json", json.dumps(params, indent=1).encode(), 0o644)
            add_file(tar, "processes.json", json.dumps(processes, indent=1).encode(), 0o644)
            for name in ("run_tests.py", "pytest.ini"):
                add_file(tar, name, (runner_dir / name).read_bytes(), 0o644)
        return buffer.getvalue()


def add_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    """Add one regular file to ``tar``, stamped now."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def exports(variables: dict[str, Any]) -> str:
    """``export name='value'`` lines, one per variable (non-strings as JSON).

    Raises:
        TaskFormatError: For a variable whose name is not a shell identifier.
    """
    lines = []
    for name, value in sorted(variables.items()):
        if not name.isidentifier() or not name.isascii():
            raise TaskFormatError(
                f"Expects generator variables named like shell variables (log_name), actual name: {name!r}"
            )
        text = value if isinstance(value, str) else json.dumps(value)
        lines.append(f"export {name}={shlex.quote(text)}")
    return "\n".join(lines)


@functools.cache
def sandbox_packages() -> frozenset[str] | None:
    """The Debian packages every terminal sandbox provides (None outside a source checkout)."""
    if not PACKAGES_FILE.exists():
        return None
    lines = PACKAGES_FILE.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


HARBOR_FILES = ("harbor/environment/Dockerfile", "harbor/solution/solve.sh", "harbor/tests/test.sh")


def _harbor_problems(folder: Path, sandbox: SandboxSpec) -> list[str]:
    """What a task run as Harbor runs it lacks (``sandbox.harbor``)."""
    problems = [f"{name} is missing" for name in HARBOR_FILES if not (folder / name).is_file()]
    if "docker" not in sandbox.sandboxes:
        problems.append("sandbox.harbor runs in docker; expects docker in sandbox.sandboxes")
    return problems


def load_terminal_task(spec: TaskSpec) -> TerminalTask:
    """Read and check a terminal task's folder.

    Raises:
        TaskFormatError: Naming every file or field that is missing or wrong.
    """
    if spec.folder is None:
        raise TaskFormatError(f"{spec.ref}: a terminal task needs its folder (tests, solution.sh)")
    try:
        sandbox = SandboxSpec.model_validate(spec.sandbox)
    except ValidationError as exc:
        fields = "; ".join(
            f"sandbox.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise TaskFormatError(f"{spec.ref}: {fields}") from None
    problems = []
    if spec.generator not in GENERATORS:
        problems.append(f"generator: expects one of {GENERATORS}, actual value: {spec.generator!r}")
    if spec.generator == "generate.py" and not (spec.folder / "generate.py").is_file():
        problems.append("generator is generate.py but the file is missing")
    if sandbox.harbor is not None:
        problems += _harbor_problems(spec.folder, sandbox)
    if sandbox.harbor is None or "bwrap" in sandbox.sandboxes:
        if not (spec.folder / "solution.sh").is_file():
            problems.append("solution.sh is missing")
        if not list((spec.folder / "tests").glob("test_*.py")):
            problems.append("tests/ has no test_*.py")
    provided = sandbox_packages()
    missing = sorted(set(sandbox.packages) - provided) if provided is not None else []
    if missing and sandbox.image is None:
        problems.append(
            f"sandbox.packages {missing} are not in containers/terminal/packages.txt "
            "(add them there, or name an image that has them)"
        )
    if problems:
        raise TaskFormatError(f"{spec.ref}: " + "; ".join(problems))
    return TerminalTask(spec, sandbox, spec.folder)
