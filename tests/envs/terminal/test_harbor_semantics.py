"""Harbor tasks run as Harbor runs them: the stand-in images, the import, the docker episode.

The task folders under ``harbor_dataset/`` are written in the Harbor layout for these
tests: ``stock-report`` uses what the converted form cannot carry (a fixture in ``/opt``,
a tool in ``/usr/local/bin``, a ``RUN`` as root, ``ENV``, a solution reading
``/solution/files``, a ``test.sh`` exporting ``PYTHONPATH``, a service the oracle leaves
running); ``word-count`` converts without loss; ``alpine-task`` has no stand-in.
"""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillgym.cli import build_app
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.terminal import TerminalEnv
from skillgym.envs.terminal.env import ScriptPolicy
from skillgym.envs.terminal.harbor import import_harbor_task
from skillgym.envs.terminal.harbor.builds import build_failure
from skillgym.envs.terminal.harbor.dataset import harbor_task_folders
from skillgym.envs.terminal.harbor.episode import HarborSolutionPolicy, _reward, _test_checks
from skillgym.envs.terminal.harbor.harness import Harness, harness_for
from skillgym.envs.terminal.harbor.images import rewritten_dockerfile, task_image
from skillgym.envs.terminal.harbor.stand_ins import stand_in
from skillgym.envs.terminal.task_files import load_terminal_task
from skillgym.errors import RequestError, TaskFormatError

DATASET = Path(__file__).parent / "harbor_dataset"


def harbor_task(tmp_path: Path, body: dict[str, str], name: str = "t") -> Path:
    """A Harbor task folder with the given files (relative path -> text) over a minimal one."""
    files = {
        "task.toml": 'version = "1.0"\n[metadata]\ndifficulty = "easy"\n',
        "instruction.md": "Do it.\n",
        "environment/Dockerfile": "FROM debian:bookworm-slim\nWORKDIR /app\n",
        "solution/solve.sh": "true\n",
        "tests/test.sh": "echo 1 > /logs/verifier/reward.txt\n",
        **body,
    }
    for relative, text in files.items():
        path = tmp_path / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / name


# ---- stand-ins and the harness ------------------------------------------------------------


def test_a_python_image_stands_in_as_its_debian_release_with_that_cpython():
    found = stand_in("python:3.13-slim-bookworm")
    assert (found.distro, found.suite, found.python) == ("debian", "bookworm", "3.13")
    assert "CPython 3.13.5" in found.notes[0]


def test_a_python_image_without_a_release_says_which_one_it_gets():
    found = stand_in("python:3.11-slim")
    assert found.suite == "bookworm"
    assert any("names no Debian release" in note for note in found.notes)


def test_debian_and_ubuntu_tags_name_their_release():
    assert stand_in("debian:13.0-slim").suite == "trixie"
    assert stand_in("ubuntu:24.04").suite == "noble"
    assert stand_in("docker.io/library/debian:bullseye-slim").suite == "bullseye"


@pytest.mark.parametrize("image", ["alpine:3.19", "python:3.7-slim", "ubuntu:18.04"])
def test_an_image_without_a_stand_in_is_refused_saying_what_is_expected(image):
    with pytest.raises(TaskFormatError, match="expects"):
        stand_in(image)


def test_the_harness_reads_uv_and_the_python_the_tests_ask_uv_for():
    script = (
        "curl -LsSf https://astral.sh/uv/0.9.7/install.sh | sh\n"
        "uvx \\\n  -p 3.12 \\\n  -w pytest==8.4.1 pytest /tests/test_outputs.py\n"
    )
    assert harness_for(script) == Harness(uv="0.9.7", pythons=("3.12",))
    assert harness_for("pip install pytest") == Harness()


def test_from_images_are_made_local_and_stages_are_left_alone():
    text = (
        "FROM ubuntu:24.04 AS build\nRUN make\n"
        "FROM ubuntu:24.04\nCOPY --from=build /out /out\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.8.14 /uv /uvx /bin/\n"
    )
    local = rewritten_dockerfile(
        text, {"ubuntu:24.04": "local/noble:1"}, {"ghcr.io/astral-sh/uv:0.8.14": "local/uv:1"}
    )
    assert local == (
        "FROM local/noble:1 AS build\nRUN make\n"
        "FROM local/noble:1\nCOPY --from=build /out /out\n"
        "COPY --from=local/uv:1 /uv /uvx /bin/\n"
    )


def test_a_failed_build_names_its_step_exit_code_and_the_start_of_its_error():
    stdout = (
        "Step 1/3 : FROM x\n ---> 1\nStep 2/3 : RUN bash /app/setup.sh\n ---> Running in 2\n"
        "\x1b[91mCloning into 'site'...\nfatal: unable to access 'https://github.com/x/site/'\n"
        "\x1b[0m"
    )
    stderr = "The command '/bin/sh -c bash /app/setup.sh' returned a non-zero code: 128"
    message = build_failure(stdout, stderr)
    assert message.startswith("step 2/3 `RUN bash /app/setup.sh` exited with code 128: ")
    assert "fatal: unable to access" in message and "\x1b" not in message


# ---- the reward ---------------------------------------------------------------------------


def test_reward_json_is_read_before_reward_txt():
    files = {"/logs/verifier/reward.json": '{"reward": 0.25}', "/logs/verifier/reward.txt": "1"}
    assert _reward(files) == (0.25, "/logs/verifier/reward.json", None)


def test_reward_txt_is_a_float():
    assert _reward({"/logs/verifier/reward.txt": "1\n"})[:2] == (1.0, "/logs/verifier/reward.txt")


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({}, "no reward file"),
        ({"/logs/verifier/reward.txt": "passed"}, "is not a number"),
        ({"/logs/verifier/reward.txt": "nan"}, "not a finite number"),
        ({"/logs/verifier/reward.json": "{"}, "is not JSON"),
        ({"/logs/verifier/reward.json": '{"a": 1, "b": 2}'}, "no numeric 'reward'"),
    ],
)
def test_a_missing_or_malformed_reward_is_zero_and_says_why(files, problem):
    reward, _, found = _reward(files)
    assert reward == 0.0 and problem in found


def test_each_test_of_a_ctrf_report_is_a_check_with_its_trace():
    report = {"results": {"tests": [
        {"name": "test_a", "status": "passed"},
        {"name": "test_b", "status": "failed", "message": "failed",
         "trace": "def test_b():\n>   assert 1 == 2\nE   assert 1 == 2"},
    ]}}  # fmt: skip
    checks = _test_checks(json.dumps(report))
    assert [(c.name, c.passed) for c in checks] == [("test_a", True), ("test_b", False)]
    assert "E   assert 1 == 2" in checks[1].actual


# ---- the import ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tasks_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("harbor-semantics")
    for name in ("stock-report", "word-count"):
        import_harbor_task(DATASET / name, root)
    return root


@pytest.fixture(scope="module")
def catalog(tasks_root: Path) -> TaskCatalog:
    return TaskCatalog.load(tasks_root)


def test_the_import_keeps_harbors_files_and_runs_in_docker_only_saying_why(tmp_path):
    result = import_harbor_task(DATASET / "stock-report", tmp_path)
    assert result.sandboxes == ["docker"]
    assert any("/opt/stock/expected" in reason for reason in result.docker_only)
    assert all(reason.startswith("bwrap: ") for reason in result.docker_only)
    for kept in ("environment/Dockerfile", "environment/tools/stock-tool",
                 "solution/files/report.py", "tests/test.sh", "tests/lib/checks.py", "task.toml"):  # fmt: skip
        assert (result.folder / "harbor" / kept).is_file(), kept
    assert not (result.folder / "solution.sh").exists()
    sandbox = load_terminal_task(
        TaskCatalog.load(tmp_path).resolve("terminal/stock-report")
    ).sandbox
    assert sandbox.harbor is not None and sandbox.harbor.agent_timeout == 300.0
    assert (sandbox.workdir, sandbox.user, sandbox.memory_mb) == ("/app", "root", 1024)


def test_every_remaining_difference_names_its_file_and_line(tmp_path):
    result = import_harbor_task(DATASET / "word-count", tmp_path)
    assert result.warnings == [
        "environment/Dockerfile line 1: FROM debian:bookworm-slim is stood in for by a minbase "
        "debootstrap of bookworm (no registry is reachable), plus python3 for SkillGym's shell.",
        "tests/test.sh line 4: the image has uv 0.9.5 in /root/.local/bin (astral.sh is "
        "unreachable, so `curl ... astral.sh/uv/... | sh` installs nothing) and CPython 3.13 "
        "where uv keeps the Pythons it downloads.",
    ]


def test_a_task_the_conversion_carries_whole_runs_in_both_sandboxes(tmp_path):
    result = import_harbor_task(DATASET / "word-count", tmp_path)
    assert (result.sandboxes, result.docker_only) == (["bwrap", "docker"], [])
    assert (result.folder / "solution.sh").is_file() and (result.folder / "harbor").is_dir()


def test_a_from_image_without_a_stand_in_is_refused_naming_the_line(tmp_path):
    with pytest.raises(TaskFormatError, match=r"Dockerfile line 1: FROM alpine:3\.19: no local"):
        import_harbor_task(DATASET / "alpine-task", tmp_path)
    assert not (tmp_path / "terminal").exists()


def test_copying_from_another_image_is_refused_but_uv_is_built_from_pypi(tmp_path):
    other = harbor_task(tmp_path, {"environment/Dockerfile":
        "FROM debian:12\nWORKDIR /app\nCOPY --from=example/tools:1 /bin/x /bin/x\n"})  # fmt: skip
    with pytest.raises(TaskFormatError, match=r"line 3: COPY --from=example/tools:1"):
        import_harbor_task(other, tmp_path / "out")
    uv = harbor_task(tmp_path, {"environment/Dockerfile":
        "FROM debian:12\nWORKDIR /app\nCOPY --from=ghcr.io/astral-sh/uv:0.8.14 /uv /bin/\n"}, "uv")  # fmt: skip
    result = import_harbor_task(uv, tmp_path / "out")
    assert any("uv 0.8.14 built from its PyPI wheel" in w for w in result.warnings)


def test_a_task_without_a_workdir_of_its_own_is_refused(tmp_path):
    source = harbor_task(tmp_path, {"environment/Dockerfile": "FROM debian:12\n"})
    with pytest.raises(TaskFormatError, match=r"the agent's directory is / .*expects"):
        import_harbor_task(source, tmp_path / "out")


def test_settings_of_newer_harbor_versions_are_warnings(tmp_path):
    toml = ('version = "1.0"\n[metadata]\ndifficulty = "easy"\n'
            '[verifier]\nenv = { TOKEN = "x" }\n[environment]\nallow_internet = false\ngpus = 1\n')  # fmt: skip
    result = import_harbor_task(harbor_task(tmp_path, {"task.toml": toml}), tmp_path / "out")
    assert any("[verifier] env" in w and "not applied" in w for w in result.warnings)
    assert any("allow_internet" in w and "network is on" in w for w in result.warnings)
    assert any("gpus = 1" in w for w in result.warnings)


def test_a_dataset_folder_is_every_task_under_it():
    assert [p.name for p in harbor_task_folders([DATASET])] == [
        "alpine-task", "stock-report", "word-count",
    ]  # fmt: skip


def test_the_import_command_takes_a_dataset_and_prints_a_table(tmp_path):
    result = CliRunner().invoke(
        build_app(), ["import", "harbor", str(DATASET), "--tasks-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    table = result.output[result.output.index("task ") :]
    lines = table.splitlines()
    assert lines[1].split()[:3] == ["alpine-task", "refused", "-"]
    assert lines[2].split()[:3] == ["stock-report", "docker-only", "-"]
    assert lines[3].split()[:3] == ["word-count", "imported", "-"]
    assert "1 imported, 1 docker-only, 1 refused" in table


# ---- playing in bwrap (the converted form) ------------------------------------------------


def test_a_script_policys_command_ends_with_the_scripts_own_exit_code(catalog):
    env = TerminalEnv(catalog=catalog, sandbox="bwrap")
    try:
        env.reset(seed=0, options={"task": "terminal/word-count"})
        policy = ScriptPolicy("false || exit 7", "/app")
        env.step(policy({}))
        observation, *_ = env.step(policy({}))
        assert observation["exit_code"] == "7"
    finally:
        env.close()


def test_run_plays_a_task_of_another_tasks_folder_in_the_sandbox_asked(tasks_root):
    result = CliRunner().invoke(build_app(), [
        "run", "terminal/word-count", "--tasks-dir", str(tasks_root), "--sandbox", "bwrap", "--json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    played = json.loads(result.output.strip().splitlines()[-1])
    assert played["reward"] == 1.0


# ---- playing in docker, as Harbor runs it -------------------------------------------------


@pytest.fixture(scope="module")
def stock_env(docker_engine, catalog):
    env = TerminalEnv(catalog=catalog, sandbox="docker")
    yield env
    env.close()


def play(env: TerminalEnv, catalog: TaskCatalog, policy: str, task: str = "terminal/stock-report"):
    chosen = make_policy(policy, family="terminal", task=task, seed=0, catalog=catalog)
    return run_episode(env, chosen, task=task, seed=0)


def test_the_oracle_scores_one_as_harbor_runs_the_task(stock_env, catalog):
    result = play(stock_env, catalog, "oracle")
    assert result.reward == 1.0 and result.success
    assert result.verification.checks[0].actual == "1 (from /logs/verifier/reward.txt)"


def test_a_noop_scores_zero_and_the_check_shows_how_the_tests_ended(stock_env, catalog):
    result = play(stock_env, catalog, "noop")
    assert result.reward == 0.0
    detail = result.verification.checks[0].detail
    assert "tests/test.sh exited with code 0" in detail and "/app/report.txt" in detail


def test_the_agent_is_root_in_the_workdir_with_the_images_environment(stock_env):
    stock_env.reset(seed=0, options={"task": "terminal/stock-report"})
    command = (
        "id -u; pwd; echo $STOCK_STATE; stock-tool threshold; ls /solution /tests 2>&1 | head -2"
    )
    observation, *_ = stock_env.step(json.dumps({"tool": "run", "args": {"command": command}}))
    lines = observation["stdout"].splitlines()
    assert lines[:4] == ["0", "/app", "/var/lib/stock", "3"]
    assert "No such file or directory" in observation["stdout"]  # no solution, no tests yet
    stock_env.step(json.dumps({"tool": "submit", "args": {}}))


def test_a_reward_file_or_test_planted_by_the_agent_does_not_count(stock_env):
    stock_env.reset(seed=0, options={"task": "terminal/stock-report"})
    plant = (
        "mkdir -p /logs/verifier /tests && echo 1 > /logs/verifier/reward.txt && "
        "printf 'import sys\\nsys.exit(0)\\n' > /tests/test_outputs.py"
    )
    stock_env.step(json.dumps({"tool": "run", "args": {"command": plant}}))
    *_, info = stock_env.step(json.dumps({"tool": "submit", "args": {}}))
    assert info["verification"].score == 0.0


def test_the_familys_blunt_strategies_score_below_half(stock_env, catalog):
    stock_env.reset(seed=0, options={"task": "terminal/stock-report"})
    names = list(stock_env.cheats())
    for name in names:
        stock_env.reset(seed=0, options={"task": "terminal/stock-report"})
        cheat = stock_env.cheats()[name]
        reward, done = 0.0, False
        observation = stock_env.observe()
        while not done:
            observation, reward, terminated, truncated, _ = stock_env.step(cheat(observation))
            done = terminated or truncated
        assert reward < 0.5, name


def test_a_failing_solution_shows_its_own_exit_code(stock_env, catalog, tmp_path):
    root = tmp_path / "tasks"
    shutil.copytree(catalog.resolve("terminal/stock-report").folder, root / "terminal/stock-report")
    (root / "terminal/stock-report/harbor/solution/solve.sh").write_text("echo nope >&2\nexit 7\n")
    task = load_terminal_task(TaskCatalog.load(root).resolve("terminal/stock-report"))
    env = TerminalEnv(catalog=TaskCatalog.load(root), sandbox="docker")
    try:
        env.reset(seed=0, options={"task": "terminal/stock-report"})
        policy = HarborSolutionPolicy(task)
        observation = env.observe()
        observation, *_ = env.step(policy(observation))
        assert observation["exit_code"] == "0"  # /solution unpacked
        observation, *_ = env.step(policy(observation))
        assert (observation["exit_code"], observation["stderr"].strip()) == ("7", "nope")
    finally:
        env.close()


def test_the_tasks_image_is_built_once_and_then_cached(stock_env, catalog):
    folder = catalog.resolve("terminal/stock-report").folder / "harbor" / "environment"
    built = task_image(folder, "stock-report", Harness())
    assert built.cached and built.tag.startswith("skillgym/harbor-task:stock-report-")


def test_the_converted_form_keeps_harbors_rule_one_only_when_every_test_passes(catalog):
    task = load_terminal_task(catalog.resolve("terminal/word-count"))
    assert task.sandbox.reward == "all"
    env = TerminalEnv(catalog=catalog, sandbox="bwrap")
    try:
        env.reset(seed=0, options={"task": "terminal/word-count"})
        env.step(json.dumps({"tool": "run", "args": {"command": "echo 4 > /app/count.txt"}}))
        *_, info = env.step(json.dumps({"tool": "submit", "args": {}}))
        verification = info["verification"]
        assert [c.passed for c in verification.checks] == [True, False]  # one of two passed
        assert verification.score == 0.0
    finally:
        env.close()


def test_the_import_command_validates_what_it_imported(docker_engine, tmp_path):
    result = CliRunner().invoke(build_app(), [
        "import", "harbor", str(DATASET), "--tasks-dir", str(tmp_path), "--validate",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    table = result.output[result.output.index("task ") :].splitlines()
    assert "oracle 1.00, no-op 0.00" in table[2] and "oracle 1.00, no-op 0.00" in table[3]
    assert "1 imported, 1 docker-only, 1 refused; validated 2 of 2 played" in table[4]


def test_a_docker_only_task_asked_for_in_bwrap_is_refused_naming_its_sandboxes(catalog):
    env = TerminalEnv(catalog=catalog, sandbox="bwrap")
    try:
        with pytest.raises(RequestError, match=r"runs in \['docker'\], not in the bwrap sandbox"):
            env.reset(seed=0, options={"task": "terminal/stock-report"})
    finally:
        env.close()


def test_a_new_shell_after_the_old_one_died_leaves_the_agents_services_running(stock_env):
    stock_env.reset(seed=0, options={"task": "terminal/stock-report"})
    run_command(stock_env, "nohup sleep 300 > /dev/null 2>&1 & echo $! > /app/service.pid")
    died = run_command(
        stock_env,
        "python3 -c \"import os; [os.kill(int(p), 9) for p in os.listdir('/proc') if p.isdigit() "
        "and b'shell_server' in open(f'/proc/{p}/cmdline', 'rb').read()]\"",
    )
    assert "a new shell was started" in died["last_action_error"]
    observation = run_command(stock_env, "kill -0 $(cat /app/service.pid) && echo alive")
    assert observation["stdout"].strip() == "alive"
    stock_env.step(json.dumps({"tool": "submit", "args": {}}))


def test_killing_every_process_as_root_leaves_a_working_shell(stock_env):
    stock_env.reset(seed=0, options={"task": "terminal/stock-report"})
    run_command(stock_env, "kill -9 -1")
    assert run_command(stock_env, "echo still here")["stdout"].strip() == "still here"
    stock_env.step(json.dumps({"tool": "submit", "args": {}}))


def run_command(env: TerminalEnv, command: str) -> dict[str, str]:
    """One ``run`` step; its observation."""
    return env.step(json.dumps({"tool": "run", "args": {"command": command}}))[0]
