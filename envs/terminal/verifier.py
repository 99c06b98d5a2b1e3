"""Verification of a terminal episode: the task's tests, run only after the agent is done.

In order: the sandbox's process table is recorded (``/verifier/processes.json``, for
tasks about processes); every agent process is killed; the tests, ``params.json`` and
the runner are copied in (they were never in the sandbox before); the runner runs as
the agent's user with a clean environment and the system interpreter, under a
timeout. Agent code the tests start cannot reach the runner or, once the tests are
collected, their files (``inside/run_tests.py`` says how). Reward = fraction of tests
passed, gated on the essential ones: a test marked ``@pytest.mark.essential`` is a check
with ``essential=True``, and a failed essential check leaves 20% of the fraction (see
``Verification.from_checks``); success = all passed; one check per test, whose
``actual`` is pytest's own assertion text when it failed.

In ``separate`` mode the tests run in a fresh sandbox from the same image that
receives only the task's declared ``outputs``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.terminal.sandbox import INSIDE_DIR, Sandbox
from skillgym.envs.terminal.task_files import TerminalTask

SandboxFactory = Callable[[], Sandbox]


def verify_episode(
    task: TerminalTask,
    sandbox: Sandbox,
    params: dict[str, Any],
    *,
    mode: str,
    fresh_sandbox: SandboxFactory,
) -> Verification:
    """Run the task's tests against what the agent left; see the module docstring."""
    processes = _process_snapshot(sandbox)
    bundle = task.verifier_bundle(params, processes, INSIDE_DIR)
    if mode == "separate":
        outputs, _ = (
            sandbox.shell.pack(task.sandbox.outputs, task.sandbox.workdir)
            if task.sandbox.outputs
            else (b"", [])
        )
        sandbox.close()
        with fresh_sandbox() as judge:
            if outputs:
                judge.shell.unpack(outputs, task.sandbox.workdir)
            judge.stop_processes()
            return _run(judge, bundle, task)
    sandbox.stop_processes()
    return _run(sandbox, bundle, task)


def _process_snapshot(sandbox: Sandbox) -> list[dict[str, Any]]:
    try:
        return [p for p in sandbox.shell.processes() if "shell_server.py" not in p["cmdline"]]
    except SandboxError:
        return []  # the shell server died with the agent's last command: nothing to list


def _run(sandbox: Sandbox, bundle: bytes, task: TerminalTask) -> Verification:
    token = secrets.token_hex(16)
    options = {"hide_tests": task.sandbox.hide_tests}
    timeout = task.sandbox.verifier_timeout
    run = sandbox.run_verifier(bundle, f"{token}\n{json.dumps(options)}\n".encode(), timeout)
    if run.timed_out:
        return Verification.from_checks(
            [
                Check(
                    name="tests finished",
                    passed=False,
                    expected=f"the tests finish within {timeout:g} s",
                    actual=f"still running after {timeout:g} s; killed",
                    detail=f"the tests ran over {timeout:g} s and were killed",
                )
            ]
        )
    report = None
    for line in run.stdout.decode(errors="replace").splitlines():
        if line.startswith(token + " "):
            report = json.loads(line[len(token) + 1 :])
    if report is None:
        return Verification.from_checks(
            [
                Check(
                    name="tests ran",
                    passed=False,
                    expected="a report from the test runner",
                    actual=f"the runner ended (code {run.exit_code}) without a report",
                    detail=f"the test runner ended (code {run.exit_code}) without a report",
                )
            ]
        )
    verification = verification_from_report(report)
    if task.sandbox.reward == "all":
        return Verification.gated(1.0 if verification.success else 0.0, verification.checks)
    return verification


def verification_from_report(report: dict[str, Any]) -> Verification:
    """One check per test (and per collection error); no test at all is a failure.

    Each check expects its test to pass; ``actual`` says how it ended, with pytest's
    assertion text for a failure. A test the runner reports as essential (marked
    ``@pytest.mark.essential``) is an essential check.

    Example:
        >>> report = {"tests": {"tests/test_a.py::test_x": {"outcome": "failed",
        ...     "message": "E   assert 'b' == 'a'"}}, "errors": []}
        >>> check = verification_from_report(report).checks[0]
        >>> check.expected, check.actual
        ('the test passes', "failed: E   assert 'b' == 'a'")
    """
    checks = [
        Check(
            name=_short(nodeid),
            passed=entry["outcome"] == "passed",
            expected=PASSES,
            actual=_outcome(entry["outcome"], entry["message"]),
            detail=""
            if entry["outcome"] == "passed"
            else f"{entry['outcome']}: {entry['message']}",
            essential=bool(entry.get("essential", False)),
        )
        for nodeid, entry in report["tests"].items()
    ]
    checks += [
        Check(
            name=f"collect {_short(e['nodeid'])}",
            passed=False,
            expected="the test file imports",
            actual=_outcome("error", e["message"]),
            detail=e["message"],
        )
        for e in report["errors"]
    ]
    if not checks:
        checks = [
            Check(
                name="tests collected",
                passed=False,
                expected="at least one test",
                actual="pytest found no tests",
                detail="pytest found no tests",
            )
        ]
    return Verification.from_checks(checks)


PASSES = "the test passes"


def _outcome(outcome: str, message: str) -> str:
    """How a test ended, as the agent reads it: ``passed``, or the outcome and pytest's text."""
    if outcome == "passed":
        return "passed"
    return f"{outcome}: {message.strip()}" if message.strip() else outcome


def _short(nodeid: str) -> str:
    return nodeid.removeprefix("tests/").removeprefix("/verifier/tests/")
