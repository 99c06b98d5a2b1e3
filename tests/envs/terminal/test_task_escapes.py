"""A result-forging hook planted where a real task's tests run agent code scores nothing.

For each task below, the agent does no work on the task: it only writes the hook
(``escapes/forge_results.py``) and a launcher into the workspace, and plants a call to
the launcher wherever the task's tests execute agent code (the delivery). The hook
attaches to the test runner with ``ptrace`` and rewrites every ``"failed"`` in its
report to ``"passed"``: before commit 9c79f36 each of these deliveries scored 1.0 (with
seed 0, in both sandboxes). Every test of these tasks fails without the hook, so any
reward above 0 is a forged one.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from skillgym.envs.terminal import TerminalEnv

HOOK = (Path(__file__).parent / "escapes" / "forge_results.py").read_text()
# Starts the hook once, detached, and gives it a second to attach before the tests go on.
LAUNCHER = """#!/bin/sh
mkdir /workspace/forge.started 2>/dev/null || exit 0
setsid /usr/bin/python3 /workspace/forge.py /workspace/forge.log </dev/null >/dev/null 2>&1 &
sleep 1
"""
SH_LAUNCH = "#!/bin/sh\n/workspace/launch.sh\n"
PY_LAUNCH = 'import os\n\nos.system("/workspace/launch.sh")\n'


@dataclass(frozen=True)
class Delivery:
    """Files the agent writes (paths relative to /workspace), then commands it runs."""

    files: dict[str, str]
    commands: tuple[str, ...] = ()


# Seed 0's names (the package, the crontab, the first job) are written out.
DELIVERIES = {
    # a fresh interpreter imports the package (and pytest runs the visible tests on it)
    "fix-python-bug": Delivery({"ledgerline/__init__.py": PY_LAUNCH}),
    # a fresh interpreter loads /workspace/analytics.py
    "speed-up-python": Delivery({"analytics.py": PY_LAUNCH}),
    # `bash rotate.sh DIR` on fresh log folders
    "log-rotation": Delivery({"rotate.sh": SH_LAUNCH}),
    # ./extract.sh EXPORT on fresh exports
    "jq-extract": Delivery({"extract.sh": SH_LAUNCH}),
    # python3 latency.py LOG on fresh logs
    "latency-report": Delivery({"latency.py": PY_LAUNCH}),
    # python3 recover_csv.py INPUT OUTPUT on fresh exports
    "csv-recovery": Delivery({"recover_csv.py": PY_LAUNCH}),
    # `bash backup.sh SRC DEST` on fresh trees
    "robust-shell-script": Delivery({"backup.sh": SH_LAUNCH}),
    # make, make test, make clean in a copy of the workspace
    "makefile-c-build": Delivery({"Makefile": "all:\n\t/workspace/launch.sh\n"}),
    # /bin/sh -c on each job line's command (the first job's line must be there)
    "cron-schedule": Delivery(
        {"deploy/crm.crontab": "@daily /workspace/jobs/archive-orders.sh; /workspace/launch.sh\n"}
    ),
    # git ls-files and git status run the repo's core.fsmonitor, but every test first
    # needs HEAD to be a merge: merge an empty commit (not the branch, nothing resolved),
    # and leave a conflict marker so that no test passes
    "git-merge-conflict": Delivery(
        {},
        (
            "cd /workspace/repo",
            "stub=$(git commit-tree -m stub $(git mktree </dev/null))",
            'git merge -q -s ours --allow-unrelated-histories -m stub "$stub"',
            "echo '=======' >> README.md",
            "git config core.fsmonitor /workspace/launch.sh",
        ),
    ),
}


def act(env, tool, **args):
    obs, *_ = env.step(json.dumps({"tool": tool, "args": args}))
    assert obs["last_action_error"] == "", obs
    return obs


def play(env, delivery):
    """Plant the hook and the delivery, submit; the reward and the verification."""
    env.reset(seed=0)
    files = {"forge.py": HOOK, "launch.sh": LAUNCHER, **delivery.files}
    for path, content in files.items():
        act(env, "write_file", path=path, content=content, executable=True)
    for command in delivery.commands:
        obs = act(env, "run", command=command)
        assert obs["exit_code"] == "0", obs
    *_, reward, terminated, _, info = env.step('{"tool": "submit", "args": {}}')
    assert terminated
    return reward, info["verification"]


@pytest.mark.parametrize("task", sorted(DELIVERIES))
def test_a_planted_result_forging_hook_scores_zero(task, sandbox_kind):
    env = TerminalEnv(task=f"terminal/{task}", sandbox=sandbox_kind)
    try:
        reward, verification = play(env, DELIVERIES[task])
    finally:
        env.close()
    assert reward == 0.0, verification
    assert not verification.success, verification
