"""Verification: tests only after submit, a clean runner, shims that change nothing."""

import json

import pytest

from skillgym.envs.core.episode import run_episode
from skillgym.envs.terminal import TerminalEnv
from skillgym.envs.terminal.env import SHIM_SCRIPT
from skillgym.envs.terminal.verifier import verification_from_report


def greeted_name(observation):
    """The name the hello-file task asks to greet, from its instruction."""
    return observation["instruction"].split("hello ")[1].split("`")[0]


def play(env, commands, seed=0):
    env.reset(seed=seed)
    info = {}
    for command in commands:
        *_, info = env.step(json.dumps({"tool": "run", "args": {"command": command}}))
    *_, reward, terminated, truncated, info = env.step('{"tool": "submit", "args": {}}')
    assert terminated
    return reward, info["verification"]


def test_reward_is_the_fraction_of_tests_passed_with_one_check_per_test(hello_env):
    reward, verification = play(hello_env, ['printf "wrong\\n" > greeting.txt'])
    names = sorted(c.name for c in verification.checks)
    assert names == [
        "test_greeting.py::test_greeting_file_has_the_line",
        "test_greeting.py::test_greeting_file_is_one_line",
    ]
    assert reward == 0.5 and not verification.success


def test_the_oracle_passes_every_test(hello_env):
    hello_env.reset(seed=2)
    result = run_episode(hello_env, hello_env.oracle(), task="terminal/hello-file", seed=2)
    assert result.reward == 1.0 and result.success


def test_shims_left_in_the_workspace_do_not_change_the_verdict(hello_env):
    reward, verification = play(hello_env, [SHIM_SCRIPT])
    assert reward == 0.0
    assert all(not c.passed for c in verification.checks)


def test_shims_do_not_break_a_correct_answer_either(hello_env):
    obs, _ = hello_env.reset(seed=0)
    name = greeted_name(obs)
    _, verification = play(hello_env, [SHIM_SCRIPT, f"echo 'hello {name}' > greeting.txt"])
    assert verification.success


def test_a_process_left_running_cannot_rewrite_the_outputs_after_submit(hello_env):
    obs, _ = hello_env.reset(seed=0)
    name = greeted_name(obs)
    # a daemon that spoils the answer the moment the agent's shell is gone, i.e. at
    # submit, unless it dies in the same instant (`[r]` keeps it from matching itself)
    spoiler = (
        'while grep -qs "shell_serve[r]" /proc/[0-9]*/cmdline; do sleep 0.02; done; '
        "echo spoiled > /workspace/greeting.txt"
    )
    for command in (
        f"echo 'hello {name}' > greeting.txt",
        f"nohup sh -c '{spoiler}' >/dev/null 2>&1 &",
        "sleep 0.2; cat greeting.txt",
    ):
        obs, *_ = hello_env.step(json.dumps({"tool": "run", "args": {"command": command}}))
    assert obs["stdout"] == f"hello {name}\n"  # the daemon waits, it has not spoiled yet
    *_, reward, terminated, _, _ = hello_env.step('{"tool": "submit", "args": {}}')
    assert terminated and reward == 1.0


def test_tests_see_the_process_table_at_submit_and_no_agent_process_after(
    sandbox_kind, test_catalog
):
    env = TerminalEnv(task="terminal/keep-process", catalog=test_catalog, sandbox=sandbox_kind)
    try:
        env.reset(seed=0)
        result = run_episode(env, env.oracle(), task="terminal/keep-process", seed=0)
        noop = run_episode(
            env, lambda _: '{"tool": "submit", "args": {}}', task="terminal/keep-process", seed=0
        )
    finally:
        env.close()
    assert result.reward == 1.0
    assert noop.reward == 0.5  # nothing was running, and nothing is


@pytest.mark.parametrize("verifier", ["same", "separate"])
def test_both_verifier_modes_agree(sandbox_kind, test_catalog, verifier):
    env = TerminalEnv(
        task="terminal/hello-file", catalog=test_catalog, sandbox=sandbox_kind, verifier=verifier
    )
    try:
        obs, _ = env.reset(seed=1)
        name = greeted_name(obs)
        right, _ = play(env, [f"echo 'hello {name}' > greeting.txt"], seed=1)
        mode = env.episode.extra_info["verifier"]
        _, wrong = play(env, ["echo nope > greeting.txt"], seed=1)
    finally:
        env.close()
    assert right == 1.0 and mode == verifier
    assert wrong.score == 0.5


def test_separate_verifier_receives_only_the_declared_outputs(test_catalog):
    env = TerminalEnv(task="terminal/hello-file", catalog=test_catalog, verifier="separate")
    try:
        obs, _ = env.reset(seed=0)
        name = greeted_name(obs)
        # the answer in an undeclared file does not reach the verifier
        reward, _ = play(env, [f"echo 'hello {name}' > other.txt; ln -s other.txt greeting.txt"])
    finally:
        env.close()
    assert reward == 0.0


def test_tests_that_hang_are_killed_at_the_verifier_timeout(sandbox_kind, test_catalog):
    env = TerminalEnv(task="terminal/slow-verifier", catalog=test_catalog, sandbox=sandbox_kind)
    try:
        env.reset(seed=0)
        *_, reward, terminated, _, info = env.step('{"tool": "submit", "args": {}}')
    finally:
        env.close()
    assert terminated and reward == 0.0
    assert "killed" in info["verification"].checks[0].detail


def test_a_report_with_no_tests_is_a_failure_not_a_pass():
    verification = verification_from_report({"tests": {}, "errors": [], "exit_code": 5})
    assert verification.score == 0.0 and not verification.success


def test_a_collection_error_is_a_failed_check():
    report = {
        "tests": {"tests/test_a.py::test_ok": {"outcome": "passed", "message": ""}},
        "errors": [{"nodeid": "tests/test_b.py", "message": "SyntaxError"}],
        "exit_code": 2,
    }
    verification = verification_from_report(report)
    assert verification.score == 0.5
    assert verification.checks[1].name == "collect test_b.py"


def test_the_verifier_runs_in_fresh_places_untouched_by_what_the_agent_planted(
    sandbox_kind, test_catalog
):
    env = TerminalEnv(task="terminal/verifier-env", catalog=test_catalog, sandbox=sandbox_kind)
    try:
        reward, verification = play(env, [SHIM_SCRIPT])
    finally:
        env.close()
    assert reward == 1.0, [c for c in verification.checks if not c.passed]
