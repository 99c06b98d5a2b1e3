"""Agent code that the tests run can neither read the tests' data nor forge their results.

Each test plays the agent of ``terminal/agent-program``, whose tests run the agent's
``program.sh`` and compare its output with a secret that only ``params.json`` holds:
no honest program passes, so any reward above 0 is an escape.
"""

import json
from pathlib import Path

import pytest

from skillgym.envs.terminal import TerminalEnv

ESCAPES = Path(__file__).parent / "escapes"


@pytest.fixture
def program_env(sandbox_kind, test_catalog):
    env = TerminalEnv(task="terminal/agent-program", catalog=test_catalog, sandbox=sandbox_kind)
    yield env
    env.close()


def play(env, files):
    """Write ``files`` into the workspace and submit; the verification."""
    env.reset(seed=0)
    for path, content in files.items():
        call = {
            "tool": "write_file",
            "args": {"path": path, "content": content, "executable": True},
        }
        obs, *_ = env.step(json.dumps(call))
        assert obs["last_action_error"] == ""
    *_, reward, terminated, _, info = env.step('{"tool": "submit", "args": {}}')
    assert terminated
    return reward, info["verification"]


def test_an_honest_program_cannot_pass(program_env):
    reward, _ = play(program_env, {"program.sh": "echo my best guess\n"})
    assert reward == 0.0


def test_agent_code_run_by_the_tests_cannot_read_the_tests_data(program_env):
    spy = (
        "for f in /verifier/tests/params.json /verifier/*/params.json; do\n"
        '  python3 -c \'import json,sys; print(json.load(open(sys.argv[1]))["expected"]["secret"])\' "$f" '
        "2>/dev/null && exit\n"
        "done\n"
        'grep -rhoa \'"secret": "[0-9a-f]*"\' /verifier /proc/*/environ /proc/*/cmdline 2>/dev/null '
        "| head -1 | cut -d'\"' -f4\n"
    )
    reward, verification = play(program_env, {"program.sh": spy})
    assert reward == 0.0, verification


def test_agent_code_run_by_the_tests_cannot_trace_the_runner_to_forge_its_report(program_env):
    hook = (ESCAPES / "forge_results.py").read_text()
    launcher = (
        "setsid python3 /workspace/forge.py /workspace/forge.log </dev/null >/dev/null 2>&1 &\n"
        "sleep 1\n"
        "cat /workspace/forge.log\n"
    )
    reward, verification = play(program_env, {"forge.py": hook, "program.sh": launcher})
    assert reward == 0.0, verification
    # the hook says why it failed, in the assertion the tests report
    assert "seize" in verification.model_dump_json(), verification


def test_agent_code_cannot_take_the_report_from_the_pipe_it_travels_on(program_env):
    # Reopens the runner's stdout pipe through the namespace's pid 1 (bwrap's own process,
    # which holds it), reads the report as it is written and writes it back "passed";
    # several of them, so that one would win the read against the host (the kernel refuses
    # to reopen the pipe for reading: its /proc link is write-only).
    thief = (
        "import os\n"
        "r = os.open('/proc/1/fd/1', os.O_RDONLY)\n"
        "w = os.open('/proc/1/fd/1', os.O_WRONLY)\n"
        "data = b''\n"
        "while not data.endswith(b'\\n'):\n"
        "    data += os.read(r, 1 << 16)\n"
        "os.write(w, data.replace(b'\"failed\"', b'\"passed\"'))\n"
    )
    launcher = (
        "for i in $(seq 4); do\n"
        "  setsid python3 /workspace/thief.py </dev/null >/dev/null 2>>/workspace/thief.log &\n"
        "done\n"
        "sleep 1\n"
        "cat /workspace/thief.log\n"
    )
    reward, verification = play(program_env, {"thief.py": thief, "program.sh": launcher})
    assert reward == 0.0, verification
