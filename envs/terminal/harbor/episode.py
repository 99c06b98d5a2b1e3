"""An imported Harbor task's episode, run as Harbor runs it (``sandbox.harbor``).

- The container is the task's own image (``images.task_image``), the agent root in the
  Dockerfile's ``WORKDIR`` with the image's environment, the network on.
- The oracle: ``harbor/solution/`` is copied to ``/solution`` (for the oracle only) and
  ``bash /solution/solve.sh`` runs in the workdir.
- After submit, in the same live container (servers the agent started still run):
  ``/tests`` and ``/logs/verifier`` are emptied, ``harbor/tests/`` is copied to ``/tests``,
  ``bash /tests/test.sh`` runs as written, and the reward is read from
  ``/logs/verifier/reward.json`` (its ``reward``) or ``reward.txt``; none is reward 0.
  ``ctrf.json`` (``pytest --ctrf``), when the tests write it, adds one check per test.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import logging
import math
import shlex
import tarfile
import textwrap
from pathlib import Path
from typing import Any

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.terminal.docker_sandbox import DockerSandbox
from skillgym.envs.terminal.harbor.harness import Harness
from skillgym.envs.terminal.harbor.images import task_image
from skillgym.envs.terminal.sandbox import HarborSpec
from skillgym.envs.terminal.task_files import TerminalTask

log = logging.getLogger(__name__)
HARBOR_DIR = "harbor"
REWARD_FILES = ("/logs/verifier/reward.json", "/logs/verifier/reward.txt")
OUTPUT_SHOWN = 1500
TESTS_ENV = "PYTHONNOUSERSITE=1"
"""Added to the tests' environment: root's ``~/.local`` site-packages are the agent's to plant
a ``usercustomize`` in, which the tests' ``python3`` would run (Harbor adds nothing)."""
MAX_COMMAND_SECONDS = 3600.0
"""The longest one command may run (the ``run`` tool's limit)."""


def harbor_spec(task: TerminalTask) -> HarborSpec:
    """The task's ``sandbox.harbor``."""
    assert task.sandbox.harbor is not None, f"{task.spec.ref} is not a Harbor task"
    return task.sandbox.harbor


def harbor_image(task: TerminalTask) -> str:
    """The task's image, built on first use and cached by content."""
    spec = harbor_spec(task)
    name = task.spec.id.rsplit("/", 1)[-1]
    built = task_image(
        task.folder / HARBOR_DIR / "environment",
        name,
        Harness(spec.uv, tuple(spec.pythons)),
        progress=lambda step: log.info("%s: %s", task.spec.ref, step),
    )
    return built.tag


def folder_tar(folder: Path) -> bytes:
    """``folder``'s files as a tar, modes kept, owned by root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                info = tar.gettarinfo(str(path), path.relative_to(folder).as_posix())
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                with path.open("rb") as file:
                    tar.addfile(info, file)
    return buffer.getvalue()


def copy_folder(sandbox: DockerSandbox, folder: Path, target: str) -> None:
    """Replace ``target`` in the container by ``folder``'s files (as root)."""
    quoted = shlex.quote(target)
    run = sandbox.exec_root(
        f"rm -rf {quoted} && mkdir -p {quoted} && tar -x -C {quoted} --no-same-owner",
        folder_tar(folder),
        timeout=120,
    )
    if run.exit_code != 0:
        output = run.stdout.decode(errors="replace")[:500]
        raise SandboxError(f"Copying {folder.name}/ to {target} failed: {output}")


class HarborSolutionPolicy:
    """Harbor's oracle, played through the agent's tools.

    ``solution/`` is unpacked at ``/solution`` (a base64 tar in one ``run``), then
    ``bash /solution/solve.sh`` runs in the workdir, then submit.

    The second command's exit code is solve.sh's own, so a failed oracle shows as one.
    """

    def __init__(self, task: TerminalTask) -> None:
        harbor = harbor_spec(task)
        packed = base64.b64encode(gzip.compress(folder_tar(task.folder / HARBOR_DIR / "solution")))
        self.commands = [
            (
                "rm -rf /solution && mkdir -p /solution && base64 -d <<'END_OF_SOLUTION' "
                "| tar -xz -C /solution --no-same-owner\n"
                + "\n".join(textwrap.wrap(packed.decode(), 76))
                + "\nEND_OF_SOLUTION",
                120.0,
            ),
            (
                f"cd {shlex.quote(task.sandbox.workdir)} && bash /solution/solve.sh",
                min(MAX_COMMAND_SECONDS, harbor.agent_timeout),
            ),
        ]
        self.step = 0

    def __call__(self, _observation: dict[str, str]) -> str:
        """The next of: unpack, solve, submit."""
        self.step += 1
        if self.step <= len(self.commands):
            command, timeout = self.commands[self.step - 1]
            return json.dumps({"tool": "run", "args": {"command": command, "timeout": timeout}})
        return json.dumps({"tool": "submit", "args": {}})


def verify_harbor(task: TerminalTask, sandbox: DockerSandbox) -> Verification:
    """Run ``tests/test.sh`` as Harbor does and read its reward; see the module docstring."""
    copy_folder(sandbox, task.folder / HARBOR_DIR / "tests", "/tests")
    sandbox.exec_root("rm -rf /logs/verifier && mkdir -p /logs/verifier /logs/agent", b"", 60)
    timeout = task.sandbox.verifier_timeout
    run = sandbox.exec_root(
        f"{TESTS_ENV} bash /tests/test.sh > /logs/verifier/test-stdout.txt 2>&1; echo $?",
        b"",
        timeout,
    )
    if run.timed_out:
        return Verification.gated(0.0, [Check(
            name="tests finished",
            passed=False,
            expected=f"tests/test.sh finishes within {timeout:g} s",
            actual=f"still running after {timeout:g} s; killed",
            detail=f"tests/test.sh ran over {timeout:g} s and was killed",
        )])  # fmt: skip
    code = run.stdout.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
    files = _read_files(
        sandbox, [*REWARD_FILES, "/logs/verifier/ctrf.json", "/logs/verifier/test-stdout.txt"]
    )
    checks = _test_checks(files.get("/logs/verifier/ctrf.json"))
    reward, source, problem = _reward(files)
    output = files.get("/logs/verifier/test-stdout.txt", "")
    if problem is not None:
        actual = f"{problem}; tests/test.sh exited with code {code[0]}"
        detail = f"{actual}. {_ending(output)}"
    else:
        actual = f"{reward:g} (from {source})"
        ended = f"tests/test.sh exited with code {code[0]}. {_ending(output)}"
        detail = "" if reward >= 1 else ended
    checks.insert(0, Check(
        name="reward",
        passed=problem is None and reward >= 1,
        expected="1, written to /logs/verifier/reward.txt (or reward.json) by tests/test.sh",
        actual=actual,
        detail=detail,
    ))  # fmt: skip
    return Verification.gated(min(max(reward, 0.0), 1.0), checks)


def _ending(output: str) -> str:
    """The last whole lines of the tests' output (pytest's summary), at most ~1,500 characters."""
    lines = output.rstrip().splitlines()
    shown: list[str] = []
    for line in reversed(lines[-40:]):
        if sum(len(s) + 1 for s in shown) + len(line) > OUTPUT_SHOWN:
            break
        shown.insert(0, line)
    cut = "" if len(shown) == len(lines) else f"(last {len(shown)} of {len(lines)} lines) "
    return f"Its output {cut}ends:\n" + "\n".join(shown)


def _read_files(sandbox: DockerSandbox, paths: list[str]) -> dict[str, str]:
    """The contents of those of ``paths`` that exist, read in one exec."""
    script = "".join(
        f"if [ -f {p} ]; then printf '\\n@@ %s\\n' {p}; head -c 200000 {p}; fi; " for p in paths
    )
    run = sandbox.exec_root(script, b"", 60)
    files: dict[str, str] = {}
    for chunk in run.stdout.decode(errors="replace").split("\n@@ ")[1:]:
        path, _, body = chunk.partition("\n")
        files[path] = body
    return files


def _reward(files: dict[str, str]) -> tuple[float, str, str | None]:
    """The reward, the file it came from, and what was wrong (None when it was read)."""
    text = files.get(REWARD_FILES[0])
    if text is not None:
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError:
            return 0.0, REWARD_FILES[0], f"{REWARD_FILES[0]} is not JSON: {text[:100]!r}"
        value = data.get("reward") if isinstance(data, dict) else None
        if isinstance(data, dict) and value is None and len(data) == 1:
            value = next(iter(data.values()))
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value), REWARD_FILES[0], None
        return 0.0, REWARD_FILES[0], f"{REWARD_FILES[0]} has no numeric 'reward': {text[:100]!r}"
    text = files.get(REWARD_FILES[1])
    if text is None:
        return 0.0, "", "no reward file (/logs/verifier/reward.txt or reward.json)"
    try:
        value = float(text.strip())
    except ValueError:
        return 0.0, REWARD_FILES[1], f"{REWARD_FILES[1]} is not a number: {text[:100]!r}"
    if not math.isfinite(value):
        return 0.0, REWARD_FILES[1], f"{REWARD_FILES[1]} is not a finite number: {text[:100]!r}"
    return value, REWARD_FILES[1], None


def _test_checks(ctrf: str | None) -> list[Check]:
    """One check per test of a CTRF report (``pytest --ctrf``), if the tests wrote one."""
    if not ctrf:
        return []
    try:
        tests = json.loads(ctrf)["results"]["tests"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return []
    checks = []
    for test in tests if isinstance(tests, list) else []:
        if not isinstance(test, dict):
            continue
        status = str(test.get("status", "?"))
        trace = str(test.get("trace") or "").strip().splitlines()
        message = "\n".join(trace[-6:])[-500:] or str(test.get("message") or "")[:500]
        passed = status in ("passed", "skipped")
        checks.append(Check(
            name=str(test.get("name", "?"))[:200],
            passed=passed,
            expected="the test passes",
            actual=status if passed or not message else f"{status}: {message}",
            detail="" if passed else f"{status}: {message}",
        ))  # fmt: skip
    return checks
