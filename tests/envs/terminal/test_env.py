"""TerminalEnv: the tools, the observation, seeding, and what reaches the agent."""

import json

import pytest
from gymnasium.utils.env_checker import check_env

from skillgym.envs.terminal import TerminalEnv
from skillgym.errors import RequestError


def act(env, tool, **args):
    obs, reward, terminated, truncated, info = env.step(json.dumps({"tool": tool, "args": args}))
    return obs, reward, terminated, info


def test_reset_with_same_seed_gives_same_observation(hello_env):
    first, _ = hello_env.reset(seed=3)
    again, _ = hello_env.reset(seed=3)
    assert first == again
    assert first["cwd"] == "/workspace" and first["command"] == ""


def test_the_workspace_holds_the_generated_files_and_setup_ran(hello_env):
    obs, info = hello_env.reset(seed=1)
    name = obs["instruction"].split("hello ")[1].split("`")[0]
    obs, *_ = act(hello_env, "run", command="cat notes.txt .setup-marker")
    assert obs["stdout"] == f"greet {name}\nsetup ran for {name}\n"
    assert obs["exit_code"] == "0"
    assert obs["elapsed"].endswith(" s")


def test_setup_variables_do_not_leak_into_the_agents_shell(hello_env):
    hello_env.reset(seed=1)
    obs, *_ = act(hello_env, "run", command="echo [${name:-unset}]")
    assert obs["stdout"] == "[unset]\n"


def test_the_tests_and_the_solution_are_not_in_the_sandbox_during_the_episode(hello_env):
    hello_env.reset(seed=0)
    obs, *_ = act(
        hello_env,
        "run",
        command="ls -a / /verifier 2>&1; grep -rl --exclude-dir={proc,sys,dev,usr} SECRET-MARKER-7f3a / 2>/dev/null; echo done",
        timeout=30,
    )
    assert "No such file" in obs["stdout"]
    assert obs["stdout"].rstrip().endswith("done")
    assert "test_greeting" not in obs["stdout"]


def test_write_file_then_read_file_round_trips(hello_env):
    hello_env.reset(seed=0)
    obs, *_ = act(
        hello_env,
        "write_file",
        path="bin/tool.sh",
        content="#!/bin/sh\necho tool\n",
        executable=True,
    )
    assert obs["stdout"] == "wrote 20 bytes to /workspace/bin/tool.sh\n"
    obs, *_ = act(hello_env, "run", command="./bin/tool.sh")
    assert obs["stdout"] == "tool\n"
    obs, *_ = act(hello_env, "read_file", path="bin/tool.sh", start_line=2, line_count=1)
    assert obs["stdout"] == "     2\techo tool\n"


def test_read_file_numbers_the_lines_it_shows(hello_env):
    hello_env.reset(seed=0)
    act(hello_env, "run", command="printf 'one\\ntwo\\nthree' > three.txt")
    obs, *_ = act(hello_env, "read_file", path="three.txt")
    assert obs["stdout"] == "     1\tone\n     2\ttwo\n     3\tthree\n"
    obs, *_ = act(hello_env, "read_file", path="three.txt", start_line=9)
    assert obs["stdout"] == "[/workspace/three.txt has 3 lines; nothing from line 9]\n"


def test_read_file_says_when_a_file_is_not_utf8_and_shows_it_as_latin1(hello_env):
    hello_env.reset(seed=0)
    act(hello_env, "run", command="printf 'caf\\xe9 cr\\xe8me\\n' > menu.txt")
    obs, *_ = act(hello_env, "read_file", path="menu.txt")
    assert obs["stdout"] == (
        "[not UTF-8: byte 0xe9 at offset 3; shown as Latin-1 (ISO-8859-1), each byte one "
        "character]\n     1\tcafé crème\n"
    )
    assert "\ufffd" not in obs["stdout"]


def test_the_observation_after_submit_reports_the_submit_not_the_last_command(hello_env):
    hello_env.reset(seed=0)
    act(hello_env, "run", command="echo stale output; false")
    obs, reward, terminated, info = act(hello_env, "submit")
    assert terminated
    assert obs["command"] == "submit"
    assert obs["exit_code"] == ""
    assert "stale output" not in obs["stdout"]
    assert obs["stdout"] == (
        "submitted; the task's tests ran: 0 of 2 passed (details in info['verification'])\n"
    )


def test_reading_a_long_file_says_where_to_read_on(hello_env):
    hello_env.reset(seed=0)
    act(hello_env, "run", command="seq 1 20000 > big.txt")
    obs, *_ = act(hello_env, "read_file", path="big.txt")
    assert "read on with start_line=" in obs["stdout"]
    line = int(obs["stdout"].rsplit("start_line=", 1)[1].split("]")[0])
    obs, *_ = act(hello_env, "read_file", path="big.txt", start_line=line, line_count=1)
    assert obs["stdout"] == f"{line:>6}\t{line}\n"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"tool": "read_file", "args": {"path": "missing.txt"}}, "No such file"),
        ({"tool": "read_file", "args": {"path": "/usr/bin/ls"}}, "binary file"),
        ({"tool": "run", "args": {"command": "ls", "timeout": 100000}}, "less than or equal"),
        ({"tool": "run", "args": {"command": "echo \u0000"}}, "NUL"),
        ({"tool": "write_file", "args": {"path": "/etc/x", "content": "x"}}, "/etc/x"),
        ({"tool": "shell", "args": {}}, "Unknown tool"),
    ],
)
def test_a_bad_action_is_a_last_action_error_and_the_episode_goes_on(hello_env, action, message):
    hello_env.reset(seed=0)
    obs, reward, terminated, truncated, _ = hello_env.step(json.dumps(action))
    assert message in obs["last_action_error"]
    assert not terminated and not truncated and reward == 0.0
    obs, *_ = act(hello_env, "run", command="echo fine")
    assert obs["stdout"] == "fine\n" and obs["last_action_error"] == ""


def test_a_killed_shell_server_costs_a_restart_not_the_episode(hello_env):
    hello_env.reset(seed=0)
    act(hello_env, "write_file", path="kept.txt", content="kept\n")
    obs, *_ = act(hello_env, "run", command="kill -9 $PPID")
    assert "shell died" in obs["last_action_error"]
    obs, *_ = act(hello_env, "run", command="cat kept.txt")
    assert obs["stdout"] == "kept\n"


def test_unknown_sandbox_and_options_are_refused_with_what_is_accepted(test_catalog):
    with pytest.raises(RequestError, match="bwrap"):
        TerminalEnv(catalog=test_catalog, sandbox="chroot")
    env = TerminalEnv(catalog=test_catalog, task="terminal/hello-file")
    try:
        with pytest.raises(RequestError, match="takes 'task', 'instruction', 'sandbox'"):
            env.reset(seed=0, options={"colour": "red"})
    finally:
        env.close()


@pytest.mark.filterwarnings("error")
def test_check_env_passes(hello_env):
    check_env(hello_env, skip_render_check=True)
