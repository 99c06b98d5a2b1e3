"""The verifier's test runner, run inside the sandbox by the system interpreter.

Started as ``python3 -I /verifier/run_tests.py`` with a clean environment, after every
agent process is gone. The tests it runs may start agent code (a script, a package,
``git`` with the agent's hooks) as the same user, so the runner guards three things
from its own descendants:

- **its memory and descriptors**: it makes itself non-dumpable before reading
  anything, so no process of its user can ``ptrace`` it or open its ``/proc/<pid>/mem``,
  ``environ`` or ``fd/`` (that takes ``CAP_SYS_PTRACE``, which no sandboxed process has);
- **the tests' data**: once pytest has collected the tests (module-level code has read
  ``params.json``), it deletes ``tests/`` (``params.json`` with it); the test sources
  stay in memory for pytest's tracebacks, and no bytecode is written
  (``processes.json``, the agent's own process table at submit, stays);
- **the report**: it reads a token on stdin, keeps a private copy of its stdout (not
  inherited by anything it starts), sends its own fd 1 and 2 to /dev/null, and at the
  end writes one line, the token and each test's outcome as JSON, to the private copy;
  the host believes only a line that starts with its token;
- **the session**: a SIGINT from agent code does not end it (the runner handles the
  signal itself; the programs it starts get the default disposition back), and a test
  that was collected but never finished is in the report as an error, so a session cut
  short never passes the test it was in nor leaves out the tests still to come (any
  other signal kills the runner, and the host then has no report: every test fails).

pytest runs on ``/verifier/tests`` with this folder's ``pytest.ini`` only: no
conftest.py, no plugins from entry points, no cache, no rootdir discovery in the
agent's workspace. Each test's entry says whether the test is marked
``@pytest.mark.essential`` (the task is not done without it; ``pytest.ini`` registers
the marker). The line after the token holds the host's options as JSON:
``{"hide_tests": false}`` (the task's ``sandbox.hide_tests``) keeps the files for tests
that read them while they run (imported Harbor tasks).
"""

import ctypes
import json
import linecache
import os
import shutil
import signal
import sys

PR_SET_DUMPABLE = 4
HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
UNFINISHED = "unfinished"
"""A test whose setup has passed and whose call has not reported yet."""


def make_undumpable():
    """Close this process to ptrace and /proc/<pid>/{mem,environ,fd} of same-user processes."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


class Collector:
    """A pytest plugin object that keeps every test's outcome in memory."""

    def __init__(self, hide_tests):
        self.tests = {}
        self.errors = []
        self.essential = set()
        self.collected = []
        self.hide_tests = hide_tests

    def pytest_collection_finish(self, session):
        self.collected = [item.nodeid for item in session.items]
        for item in session.items:
            if item.get_closest_marker("essential") is not None:
                self.essential.add(item.nodeid)
        if self.hide_tests:
            hide_test_files()

    def pytest_runtest_logreport(self, report):
        # A test has passed once its call has; until then it is unfinished.
        entry = self.tests.setdefault(
            report.nodeid,
            {"outcome": UNFINISHED, "message": "", "essential": report.nodeid in self.essential},
        )
        if report.failed:
            entry["outcome"] = "failed" if report.when == "call" else "error"
            entry["message"] = summary(report)
        elif report.skipped and entry["outcome"] in (UNFINISHED, "passed"):
            entry["outcome"] = "skipped"
            entry["message"] = summary(report)
        elif report.when == "call" and entry["outcome"] == UNFINISHED:
            entry["outcome"] = "passed"

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(
                {"nodeid": report.nodeid or "(collection)", "message": summary(report)}
            )

    def not_run(self, why):
        """Count every collected test that did not finish as an error: ``why`` it did not."""
        for nodeid in self.collected:
            entry = self.tests.get(nodeid)
            if entry is None:
                self.tests[nodeid] = {
                    "outcome": "error",
                    "message": f"the test did not run: {why}",
                    "essential": nodeid in self.essential,
                }
            elif entry["outcome"] == UNFINISHED:
                entry["outcome"] = "error"
                entry["message"] = f"the test did not finish: {why}"


def hide_test_files():
    """Delete the tests' files, keeping their sources in linecache for tracebacks."""
    for folder, _, names in os.walk(TESTS):
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith(".py"):
                with open(path, encoding="utf-8", errors="replace") as source:
                    lines = source.readlines()
                # mtime None: linecache.checkcache keeps the entry once the file is gone
                linecache.cache[path] = (sum(map(len, lines)), None, lines, path)
    shutil.rmtree(TESTS, ignore_errors=True)


def summary(report):
    """The last lines of a failure: the assertion and where it failed."""
    text = getattr(report, "longreprtext", "") or str(report.longrepr or "")
    lines = [line for line in text.splitlines() if line.strip()]
    picked = [line for line in lines if line.startswith("E ")] or lines[-3:]
    return "\n".join(picked)[-600:]


def main():
    make_undumpable()
    sys.dont_write_bytecode = True  # a rewritten test's bytecode would outlive its source
    token = sys.stdin.readline().strip()
    options = json.loads(sys.stdin.readline() or "{}")
    private = os.fdopen(os.dup(1), "w")  # os.dup gives a non-inheritable descriptor
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    collector = Collector(hide_tests=options.get("hide_tests", True))
    # A handler, not SIG_IGN: what the tests start gets the default disposition back at exec.
    signal.signal(signal.SIGINT, lambda *_: None)
    code = -1
    try:
        import pytest

        code = int(
            pytest.main(
                [
                    "-c",
                    os.path.join(HERE, "pytest.ini"),
                    "--rootdir",
                    HERE,
                    "--noconftest",
                    "-p",
                    "no:cacheprovider",
                    "-p",
                    "no:stepwise",
                    "-q",
                    TESTS,
                ],
                plugins=[collector],
            )
        )
    except BaseException as exc:  # a test that calls sys.exit or kills the session
        collector.errors.append({"nodeid": "(runner)", "message": f"{type(exc).__name__}: {exc}"})
    collector.not_run(f"the test session ended early (pytest exit code {code})")
    private.write(
        token
        + " "
        + json.dumps({"exit_code": code, "tests": collector.tests, "errors": collector.errors})
        + "\n"
    )
    private.flush()


if __name__ == "__main__":
    main()
