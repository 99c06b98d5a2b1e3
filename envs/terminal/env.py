"""The terminal family: get work done in a shell, in a sandbox; the task's tests judge it.

Each episode gets a fresh sandbox (``bwrap`` locally, ``docker`` at scale), its
workspace laid out from the task's fixtures and seeded generator, and one persistent
shell: ``cd`` and ``export`` carry over between ``run`` calls. The task's tests reach
the sandbox only after ``submit`` (see ``verifier.py``).
"""

from __future__ import annotations

import json
from random import Random
from typing import Any, ClassVar, Literal

from pydantic import Field

from skillgym.envs.core.env import Policy, SkillGymEnv
from skillgym.envs.core.errors import RequestError, SandboxError, TaskFormatError
from skillgym.envs.core.options import ResetOptions
from skillgym.envs.core.tasks import TaskCatalog, TaskSpec
from skillgym.envs.core.tools import ActionError, ToolArgs, tool
from skillgym.envs.core.verification import Verification
from skillgym.envs.terminal.docker_sandbox import DockerSandbox
from skillgym.envs.terminal.generation import Generated
from skillgym.envs.terminal.heuristic import GenericCommandsPolicy
from skillgym.envs.terminal.sandbox import SANDBOX_KINDS, Sandbox, sandbox_class
from skillgym.envs.terminal.settings import SandboxSettings
from skillgym.envs.terminal.shell_client import CommandResult, ShellRequestError
from skillgym.envs.terminal.task_files import TerminalTask, exports, load_terminal_task
from skillgym.envs.terminal.verifier import verify_episode

OUTPUT_CAP = 16_384
"""Bytes of stdout (and of stderr) a command shows: the first and last halves, and what was cut."""
READ_CAP = 32_768
MAX_TIMEOUT = 3600.0


class RunArgs(ToolArgs):
    """Arguments of ``run``."""

    command: str = Field(description="A bash command line (or several lines) to run in the shell.")
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIMEOUT,
        description="Seconds before the command is killed; default: the task's command timeout.",
    )


class WriteFileArgs(ToolArgs):
    """Arguments of ``write_file``."""

    path: str = Field(description="File path, absolute or relative to the shell's directory.")
    content: str = Field(description="The whole new content of the file (UTF-8).")
    executable: bool = Field(default=False, description="Set the executable bits.")


class ReadFileArgs(ToolArgs):
    """Arguments of ``read_file``."""

    path: str = Field(description="File path, absolute or relative to the shell's directory.")
    start_line: int = Field(default=1, ge=1, description="First line to show (1-based).")
    line_count: int | None = Field(
        default=None, ge=1, description="How many lines to show; default: as many as fit."
    )


class TerminalOptions(ResetOptions):
    """The terminal family's reset options."""

    sandbox: Literal["bwrap", "docker"] | None = Field(
        default=None,
        description="The sandbox to run this episode in; default: the environment's.",
    )


class TerminalEnv(SkillGymEnv):
    """Shell tasks in a sandbox, verified by the task's own tests.

    Example:
        >>> env = TerminalEnv(task="terminal/word-frequency")  # doctest: +SKIP
        >>> obs, info = env.reset(seed=0)  # doctest: +SKIP
        >>> obs, *_ = env.step('{"tool": "run", "args": {"command": "ls"}}')  # doctest: +SKIP
    """

    options_model = TerminalOptions
    description = (
        "Get work done in a shell in a bwrap or docker sandbox, judged by the task's tests."
    )

    family: ClassVar[str] = "terminal"
    observation_fields: ClassVar[tuple[str, ...]] = (
        "command",
        "stdout",
        "stderr",
        "exit_code",
        "cwd",
        "elapsed",
    )

    def __init__(
        self,
        *,
        task: str | None = None,
        catalog: TaskCatalog | None = None,
        render_mode: str | None = None,
        sandbox: str | None = None,
        verifier: str | None = None,
    ) -> None:
        super().__init__(task=task, catalog=catalog, render_mode=render_mode)
        self._chosen = sandbox is not None
        self.sandbox_kind = _choose(
            sandbox or SandboxSettings.from_environment().sandbox, SANDBOX_KINDS, "sandbox"
        )
        self.verifier_mode = (
            _choose(verifier, ("same", "separate"), "verifier") if verifier else None
        )
        self._sandbox: Sandbox | None = None
        self._task: TerminalTask | None = None
        self._generated = Generated()
        self._kind = self.sandbox_kind
        self._harbor = False
        self._view: dict[str, str] = {}

    # ---- the family's hooks -------------------------------------------------------
    def start_episode(self, spec: TaskSpec, rng: Random, options: ResetOptions) -> dict[str, Any]:
        """A fresh sandbox with the workspace laid out and setup.sh run."""
        assert isinstance(options, TerminalOptions)
        task = load_terminal_task(spec)
        kind = options.sandbox or self.sandbox_kind
        if options.sandbox is None and not self._chosen and kind not in task.sandbox.sandboxes:
            kind = task.sandbox.sandboxes[0]  # a docker-only task where bwrap is the default
        if kind not in task.sandbox.sandboxes:
            raise RequestError(
                f"Task {spec.ref} runs in {task.sandbox.sandboxes}, not in the {kind} sandbox."
            )
        generated = task.generate(rng)
        harbor = task.sandbox.harbor is not None and kind == "docker"
        if harbor:  # the task's own image, built on first use (see harbor/episode.py)
            from skillgym.envs.terminal.harbor.episode import harbor_image

            built = task.sandbox.model_copy(update={"image": harbor_image(task)})
            sandbox = sandbox_class(kind)(built)
        else:
            sandbox = sandbox_class(kind)(task.sandbox)
        sandbox.start()
        try:
            if not harbor:
                sandbox.shell.unpack(task.workspace_tar(generated), task.sandbox.workdir)
            if task.setup_script is not None and not harbor:
                self._setup(task, sandbox, generated)
        except BaseException:
            sandbox.close()
            raise
        self._sandbox, self._task, self._generated, self._kind = sandbox, task, generated, kind
        self._harbor = harbor
        self._view = {
            "command": "",
            "stdout": "",
            "stderr": "",
            "exit_code": "",
            "cwd": task.sandbox.workdir,
            "elapsed": "",
        }
        return generated.variables

    def observe(self) -> dict[str, str]:
        """The last command and what it did."""
        return dict(self._view)

    def verify(self) -> Verification:
        """Run the task's tests (see ``verifier.py``); the sandbox is gone afterwards."""
        sandbox, task = self._require()
        episode = self.episode
        assert episode is not None
        mode = self.verifier_mode or task.sandbox.verifier_mode
        params = {
            "seed": episode.seed,
            "variables": self._generated.variables,
            "expected": self._generated.expected,
            "answer": episode.answer,
        }
        episode.extra_info.update({"sandbox": self._kind, "verifier": mode})
        try:
            if self._harbor:
                from skillgym.envs.terminal.harbor.episode import verify_harbor

                assert isinstance(sandbox, DockerSandbox)
                episode.extra_info["verifier"] = "harbor"
                verification = verify_harbor(task, sandbox)
            else:
                verification = verify_episode(
                    task,
                    sandbox,
                    params,
                    mode=mode,
                    fresh_sandbox=lambda: sandbox_class(self._kind)(task.sandbox),
                )
        finally:
            self.end_episode()
        if episode.submitted:  # the last command's output would read as submit's
            passed = sum(check.passed for check in verification.checks)
            self._view.update(
                command="submit",
                stdout=f"submitted; the task's tests ran: {passed} of "
                f"{len(verification.checks)} passed (details in info['verification'])\n",
                stderr="",
                exit_code="",
                elapsed="",
            )
        return verification

    def oracle(self) -> Policy:
        """Write the task's solution.sh into the sandbox, run it, submit.

        A task run as Harbor runs it: its ``solution/`` is unpacked at ``/solution`` and
        ``bash /solution/solve.sh`` runs in the workdir, as Harbor's oracle agent does.
        """
        _, task = self._require()
        if self._harbor:
            from skillgym.envs.terminal.harbor.episode import HarborSolutionPolicy

            return HarborSolutionPolicy(task)
        return SolutionScriptPolicy(task, self._generated.variables)

    def heuristic(self) -> Policy:
        """Look around, run the generic commands the instruction's words suggest, submit."""
        return GenericCommandsPolicy()

    def script_policy(self, script: str) -> Policy:
        """A policy that plays ``script`` in this episode as the task's own scripts are played.

        That is: bash in the workspace with the episode's variables exported, then submit.
        """
        _, task = self._require()
        return TaskScriptPolicy(script, task, self._generated.variables)

    def cheats(self) -> dict[str, Policy]:
        """Blunt strategies each task must score below 0.5 on.

        The family's own, played on every task: shims of the verifier's tools left in the
        workspace and on PATH (``shim-the-verifier``), and a SIGKILL to every process the
        agent can signal (``kill-everything``). Then the task's own: each
        ``cheats/NAME.sh`` in its folder, run like ``solution.sh`` (the episode's
        variables exported, in the workspace), then submit.
        """
        _, task = self._require()
        workdir = task.sandbox.workdir
        cheats: dict[str, Policy] = {
            name: ScriptPolicy(script, workdir) for name, script in FAMILY_CHEATS.items()
        }
        for name, script in task.cheats.items():
            if name in cheats:
                raise TaskFormatError(
                    f"{task.spec.ref}: cheats/{name}.sh has the name of a cheat every task "
                    f"plays; expects another name than {sorted(FAMILY_CHEATS)}"
                )
            cheats[name] = self.script_policy(script)
        return cheats

    def end_episode(self) -> None:
        """Remove the sandbox."""
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    # ---- tools --------------------------------------------------------------------
    @tool(
        "run",
        "Run a bash command in the persistent shell (the directory and exported variables "
        "carry over). stdin is empty; output is capped; a command is killed at its timeout.",
        RunArgs,
    )
    def _run(self, args: RunArgs) -> None:
        sandbox, task = self._require()
        timeout = args.timeout or task.sandbox.command_timeout
        result = self._shell_call(
            sandbox, lambda: sandbox.shell.run(args.command, timeout=timeout, cap=OUTPUT_CAP)
        )
        self._show(args.command, result, timeout)

    @tool("write_file", "Write a whole file (parent folders are created).", WriteFileArgs)
    def _write_file(self, args: WriteFileArgs) -> None:
        sandbox, _ = self._require()
        data = args.content.encode("utf-8", "surrogatepass")
        path = self._shell_call(
            sandbox,
            lambda: sandbox.shell.write(args.path, data, mode=0o755 if args.executable else None),
        )
        self._view.update(
            command=f"write_file {args.path}",
            stdout=f"wrote {len(data)} bytes to {path}\n",
            stderr="",
            exit_code="0",
            elapsed="",
        )

    @tool(
        "read_file",
        "Show a text file, or a range of its lines, each line after its number and a tab "
        "(the numbers are not part of the file).",
        ReadFileArgs,
    )
    def _read_file(self, args: ReadFileArgs) -> None:
        sandbox, _ = self._require()
        data, size, path = self._shell_call(
            sandbox, lambda: sandbox.shell.read(args.path, max_bytes=8 << 20)
        )
        if b"\0" in data[:8192]:
            raise ActionError(
                f"{path} is a binary file ({size} bytes); inspect it with run (od, xxd, file)."
            )
        text, encoding_note = decode_text(data)
        lines = text.splitlines(keepends=True)
        first = args.start_line
        chosen = lines[first - 1 : (first - 1 + args.line_count) if args.line_count else None]
        shown = numbered(chosen, first)
        note = ""
        if len(shown) > READ_CAP:
            cut = shown[:READ_CAP].rsplit("\n", 1)[0] + "\n"
            count = cut.count("\n")
            shown = cut
            note = (
                f"\n[... cut at {READ_CAP} characters; {len(lines)} lines in all; read on with "
                f"start_line={first + count}]\n"
            )
        elif size > len(data):
            note = f"\n[... the file has {size} bytes; only the first {len(data)} were read]\n"
        elif not chosen:
            note = f"[{path} has {len(lines)} lines; nothing from line {first}]\n"
        self._view.update(
            command=f"read_file {args.path}",
            stdout=encoding_note + shown + note,
            stderr="",
            exit_code="0",
            elapsed="",
        )

    # ---- internals ----------------------------------------------------------------
    def _require(self) -> tuple[Sandbox, TerminalTask]:
        if self._sandbox is None or self._task is None:
            raise SandboxError("No sandbox is running; reset() first.")
        return self._sandbox, self._task

    def _setup(self, task: TerminalTask, sandbox: Sandbox, generated: Generated) -> None:
        script = f"(\n{exports(generated.variables)}\n{task.setup_script}\n)"
        result = sandbox.shell.run(script, timeout=task.sandbox.verifier_timeout, cap=OUTPUT_CAP)
        if result.exit_code != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            start = "\n".join(lines[:15])[:1500] or "(no output)"
            raise SandboxError(
                f"{task.spec.ref}: setup.sh failed with exit code {result.exit_code}; "
                f"its error begins:\n{start}"
            )

    def _shell_call(self, sandbox: Sandbox, call: Any) -> Any:
        """One shell call; a refused request is the agent's error, a dead server is restarted."""
        try:
            return call()
        except ShellRequestError as exc:
            raise ActionError(str(exc)) from None
        except SandboxError as exc:
            sandbox.restart_shell()
            raise ActionError(
                f"The sandbox's shell died ({exc}); a new shell was started in {sandbox.spec.workdir}. "
                "Files are kept; processes, variables and the directory were reset."
            ) from None

    def _show(self, command: str, result: CommandResult, timeout: float) -> None:
        stderr = result.stderr
        if result.timed_out:
            stderr += f"\n[the command was killed after its {timeout:g} s timeout]\n"
        if result.notice:
            stderr += f"\n[{result.notice}]\n"
        self._view = {
            "command": command,
            "stdout": result.stdout,
            "stderr": stderr,
            "exit_code": str(result.exit_code),
            "cwd": result.cwd,
            "elapsed": f"{result.elapsed:.3f} s",
        }


def decode_text(data: bytes) -> tuple[str, str]:
    r"""A file's bytes as text, and a note when they are not UTF-8 (then read as Latin-1).

    Example:
        >>> decode_text("café\n".encode("latin-1"))[1]
        '[not UTF-8: byte 0xe9 at offset 3; shown as Latin-1 (ISO-8859-1), each byte one character]\n'
    """
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return data.decode("latin-1"), (
            f"[not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}; shown as Latin-1 "
            "(ISO-8859-1), each byte one character]\n"
        )


def numbered(lines: list[str], first: int) -> str:
    r"""``lines`` as ``cat -n`` shows them, counting from ``first``.

    Example:
        >>> numbered(["a\n", "b"], 9)
        '     9\ta\n    10\tb\n'
    """
    shown = []
    for number, line in enumerate(lines, start=first):
        shown.append(f"{number:>6}\t{line}" if line.endswith("\n") else f"{number:>6}\t{line}\n")
    return "".join(shown)


def _choose(value: Any, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise RequestError(f"Expects {what} to be one of {list(allowed)}, actual value: {value!r}")
    return str(value)


class ScriptPolicy:
    """Write a bash script into the sandbox, run it, submit: three tool calls."""

    path = "/tmp/.skillgym-policy.sh"

    def __init__(self, script: str, workdir: str, timeout: float = MAX_TIMEOUT) -> None:
        self.script = script
        self.workdir = workdir
        self.timeout = timeout
        self.step = 0

    def __call__(self, _observation: dict[str, str]) -> str:
        """The next of: write_file, run, submit."""
        self.step += 1
        if self.step == 1:
            return json.dumps(
                {"tool": "write_file", "args": {"path": self.path, "content": self.script}}
            )
        if self.step == 2:
            command = (  # the script's own exit code is the command's
                f"cd {self.workdir} && bash {self.path}; status=$?; rm -f {self.path}; (exit $status)"
            )
            return json.dumps(
                {"tool": "run", "args": {"command": command, "timeout": self.timeout}}
            )
        return json.dumps({"tool": "submit", "args": {}})


class TaskScriptPolicy(ScriptPolicy):
    """A script of the task's folder, run with the episode's variables exported."""

    def __init__(
        self, script: str, task: TerminalTask, variables: dict[str, Any], *, strict: bool = False
    ) -> None:
        super().__init__(
            f"{'set -e' if strict else ''}\n{exports(variables)}\n{script}",
            task.sandbox.workdir,
            min(MAX_TIMEOUT, task.sandbox.verifier_timeout * 2),
        )


class SolutionScriptPolicy(TaskScriptPolicy):
    """The oracle: the task's solution.sh with the episode's variables exported, under ``set -e``."""

    def __init__(self, task: TerminalTask, variables: dict[str, Any]) -> None:
        super().__init__(task.solution, task, variables, strict=True)


SHIM_SCRIPT = r"""
# Everything an agent could leave behind to make the verifier's tools lie.
cat > conftest.py <<'PY'
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
PY
mkdir -p tests && cp conftest.py tests/conftest.py
printf '[pytest]\naddopts = -p no:python --co\n' > pytest.ini
cp pytest.ini tox.ini; printf '[tool:pytest]\naddopts = --co\n' > setup.cfg
printf 'import sys\nsys.exit(0)\n' > sitecustomize.py
cp sitecustomize.py usercustomize.py
mkdir -p bin
printf '#!/bin/sh\necho "1 passed"\nexit 0\n' > bin/pytest
cp bin/pytest bin/python3 && cp bin/pytest bin/python && chmod +x bin/*
echo 'export PATH=/workspace/bin:$PATH' >> ~/.bashrc
echo 'export PATH=/workspace/bin:$PATH' >> ~/.profile
cp ~/.bashrc .bashrc
echo '1.0' > reward.txt; echo '{"score": 1.0, "success": true}' > reward.json
# user site-packages where a test's python3 would look if HOME or TMPDIR were ours
for base in /tmp/.local "$HOME/.local"; do
  site="$base/lib/python3.11/site-packages"; mkdir -p "$site"
  printf 'import os\nos._exit(0)\n' > "$site/usercustomize.py"
  echo 'import os; os._exit(0)' > "$site/zz-shim.pth"
done
mkdir -p /tmp/pytest-of-agent
"""

KILL_SCRIPT = r"""
# SIGKILL to every process the agent can signal (its shell and this script included).
( kill -9 -1 )
"""

FAMILY_CHEATS = {"shim-the-verifier": SHIM_SCRIPT, "kill-everything": KILL_SCRIPT}
"""The cheats every terminal task is played with, by name (see ``TerminalEnv.cheats``)."""
