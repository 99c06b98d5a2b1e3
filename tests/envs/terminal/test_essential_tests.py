"""Essential tests: a task's tests mark what it is not done without, and the reward obeys."""

import json
import secrets
import shutil
import subprocess
import sys

import pytest

from skillgym.envs.terminal import TerminalEnv
from skillgym.envs.terminal.sandbox import INSIDE_DIR
from skillgym.envs.terminal.verifier import verification_from_report


def play(env, commands, seed=0):
    env.reset(seed=seed)
    for command in commands:
        env.step(json.dumps({"tool": "run", "args": {"command": command}}))
    *_, reward, terminated, _, info = env.step('{"tool": "submit", "args": {}}')
    assert terminated
    return reward, info["verification"]


def run_the_runner(folder, tests):
    """The verifier's runner on ``tests`` (file name -> source), as the sandbox starts it."""
    for name in ("run_tests.py", "pytest.ini"):
        shutil.copy(INSIDE_DIR / name, folder / name)
    (folder / "tests").mkdir()
    for name, source in tests.items():
        (folder / "tests" / name).write_text(source)
    token = secrets.token_hex(8)
    done = subprocess.run(
        [sys.executable, "-I", str(folder / "run_tests.py")],
        input=f"{token}\n{{}}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    [line] = [line for line in done.stdout.splitlines() if line.startswith(token + " ")]
    return json.loads(line[len(token) + 1 :])


def test_the_runner_registers_the_essential_marker(tmp_path):
    (tmp_path / "test_marked.py").write_text(
        "import pytest\n\n@pytest.mark.essential\ndef test_marked():\n    pass\n"
    )
    options = ["-c", str(INSIDE_DIR / "pytest.ini"), "--strict-markers", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *options, "-q", str(tmp_path / "test_marked.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_runner_says_which_tests_are_essential_and_fails_those_it_never_reached(tmp_path):
    report = run_the_runner(
        tmp_path,
        {
            "test_session.py": (
                "import pytest\n\n"
                "@pytest.mark.essential\n"
                "@pytest.mark.parametrize('n', [1, 2])\n"
                "def test_a(n):\n    pass\n\n"
                "def test_b():\n    pytest.exit('the session ends here')\n\n"
                "@pytest.mark.essential\n"
                "def test_c():\n    pass\n"
            )
        },
    )
    tests = report["tests"]
    assert {n: (t["outcome"], t["essential"]) for n, t in tests.items()} == {
        "tests/test_session.py::test_a[1]": ("passed", True),
        "tests/test_session.py::test_a[2]": ("passed", True),
        "tests/test_session.py::test_b": ("error", False),
        "tests/test_session.py::test_c": ("error", True),
    }
    assert "did not finish" in tests["tests/test_session.py::test_b"]["message"]
    assert "did not run" in tests["tests/test_session.py::test_c"]["message"]
    verification = verification_from_report(report)
    assert verification.score == pytest.approx(0.5 * 0.2)


def test_a_report_without_essential_flags_scores_the_plain_share():
    report = {
        "tests": {
            "tests/test_a.py::test_x": {"outcome": "passed", "message": ""},
            "tests/test_a.py::test_y": {"outcome": "failed", "message": "E   assert 1 == 2"},
        },
        "errors": [],
    }
    verification = verification_from_report(report)
    assert verification.score == 0.5
    assert not any(check.essential for check in verification.checks)


def test_a_failed_essential_test_leaves_a_fifth_of_the_share_passed(sandbox_kind, test_catalog):
    env = TerminalEnv(task="terminal/essential-test", catalog=test_catalog, sandbox=sandbox_kind)
    try:
        wrong_shape, first = play(env, ["printf 'done\\n\\n' > status.txt"])
        wrong_word, second = play(env, ["echo nope > status.txt"])
    finally:
        env.close()
    essential = {c.name: c.essential for c in first.checks}
    assert essential == {
        "test_status.py::test_the_status_says_done": True,
        "test_status.py::test_the_status_is_one_line": False,
    }
    assert wrong_shape == 0.5  # the essential test passed: the plain share
    assert wrong_word == pytest.approx(0.1) and not second.success


def test_agent_code_that_interrupts_the_tests_does_not_skip_the_rest(test_catalog):
    env = TerminalEnv(task="terminal/session-cut-short", catalog=test_catalog)
    # prints what the first test wants, then sends SIGINT to the test runner, which
    # would end the pytest session before the second test ran
    program = (
        "echo hello\n"
        "for p in /proc/[0-9]*; do\n"
        '  grep -qs run_tests.py "$p/cmdline" && kill -INT "${p#/proc/}"\n'
        "done\n"
        "sleep 1\n"
    )
    try:
        reward, verification = play(env, [f"cat > program.sh <<'SH'\n{program}SH"])
    finally:
        env.close()
    assert reward == 0.5 and not verification.success
    assert [c.passed for c in verification.checks] == [True, False]
