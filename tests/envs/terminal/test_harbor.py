"""The Harbor importer's converted form: Terminal-Bench 2 task folders in, SkillGym tasks out.

The task folders under ``harbor_tasks/`` are written in the Harbor layout (a Dockerfile on
an image that cannot be pulled here, test.sh installing pytest with uv from the network);
each is imported into a temporary tasks root, its files are checked, and its oracle and
a no-op are played in the bwrap sandbox (and one task in docker, when an engine answers).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.terminal import TerminalEnv
from skillgym.envs.terminal.env import ScriptPolicy
from skillgym.envs.terminal.harbor import HarborImport
from skillgym.envs.terminal.harbor import import_harbor_task as import_as_harbor
from skillgym.envs.terminal.harbor.commands import classify_command, split_commands
from skillgym.envs.terminal.harbor.config import read_config
from skillgym.envs.terminal.harbor.dockerfile import dockerfile_instructions
from skillgym.envs.terminal.harbor.script_test import rewrite_test_script
from skillgym.envs.terminal.harbor.task_yaml import title_of
from skillgym.envs.terminal.task_files import load_terminal_task
from skillgym.errors import TaskFormatError


def import_harbor_task(source, tasks_root, **options) -> HarborImport:
    """The converted form (``semantics="converted"``), which this file specifies."""
    return import_as_harbor(source, tasks_root, semantics="converted", **options)


HARBOR_TASKS = Path(__file__).parent / "harbor_tasks"
NAMES = ["count-error-lines", "fix-backup-script", "csv-to-json"]


def docker_reachable() -> bool:
    try:
        done = subprocess.run(["docker", "version"], capture_output=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture(scope="module")
def tasks_root(tmp_path_factory):
    return tmp_path_factory.mktemp("harbor-import")


@pytest.fixture(scope="module")
def imported(tasks_root) -> dict[str, HarborImport]:
    return {name: import_harbor_task(HARBOR_TASKS / name, tasks_root) for name in NAMES}


@pytest.fixture(scope="module")
def catalog(imported, tasks_root) -> TaskCatalog:
    return TaskCatalog.load(tasks_root)


def terminal_task(catalog, name):
    return load_terminal_task(catalog.resolve(f"terminal/{name}"))


def warnings_about(result: HarborImport, *words: str) -> list[str]:
    return [w for w in result.warnings if all(word in w for word in words)]


def write_harbor_task(
    folder: Path,
    *,
    dockerfile: str = "FROM ubuntu:24.04\nWORKDIR /app\n",
    toml: str = '[metadata]\ndifficulty = "easy"\n',
    instruction: str = "Write hello to /app/greeting.txt.\n",
    solve: str = "echo hello > /app/greeting.txt\n",
    tests: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """A small Harbor task folder; ``files`` go into environment/."""
    default_tests = {
        "test.sh": "uvx -w pytest pytest /tests/test_outputs.py\n",
        "test_outputs.py": (
            "from pathlib import Path\n\n\ndef test_greeting():\n"
            '    assert Path("/app/greeting.txt").read_text() == "hello\\n"\n'
        ),
    }
    layout = {
        "instruction.md": instruction,
        "task.toml": toml,
        "environment/Dockerfile": dockerfile,
        "solution/solve.sh": solve,
        **{
            f"tests/{name}": text
            for name, text in (default_tests if tests is None else tests).items()
        },
        **{f"environment/{name}": text for name, text in (files or {}).items()},
    }
    for relative, text in layout.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (folder / "tests").mkdir(exist_ok=True)
    return folder


def play(catalog: TaskCatalog, name: str, policy_name: str, sandbox: str = "bwrap"):
    env = TerminalEnv(sandbox=sandbox, catalog=catalog)
    try:
        task = f"terminal/{name}"
        policy = make_policy(policy_name, family="terminal", task=task, seed=0, catalog=catalog)
        return run_episode(env, policy, task=task, seed=0)
    finally:
        env.close()


def failed_checks(result) -> list[str]:
    return [f"{c['name']}: {c['detail']}" for c in result.verification.checks if not c.passed]


# ---- what the import writes ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_import_writes_a_task_that_loads_as_a_terminal_task(imported, catalog, tasks_root, name):
    result = imported[name]
    assert result.task_id == f"terminal/{name}"
    assert result.folder == tasks_root / "terminal" / name
    task = terminal_task(catalog, name)
    assert task.spec.family == "terminal"
    assert task.spec.version == "1.0.0"
    assert task.spec.generator == "static"
    assert (result.folder / "solution.sh").is_file()
    assert list((result.folder / "tests").glob("test_*.py"))


def test_import_leaves_no_scratch_folder_in_the_tasks_root(imported, tasks_root):
    assert sorted(p.name for p in tasks_root.iterdir()) == ["terminal"]
    assert sorted(p.name for p in (tasks_root / "terminal").iterdir()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_import_keeps_the_workdir_of_the_dockerfile(catalog, name):
    assert terminal_task(catalog, name).sandbox.workdir == "/app"


def test_relative_workdirs_resolve_against_the_previous_one(tmp_path):
    dockerfile = "FROM ubuntu:24.04\nWORKDIR /srv\nWORKDIR job\n"
    source = write_harbor_task(tmp_path / "nested", dockerfile=dockerfile)
    result = import_harbor_task(source, tmp_path / "tasks")
    task = terminal_task(TaskCatalog.load(tmp_path / "tasks"), "nested")
    assert task.sandbox.workdir == "/srv/job"
    assert result.warnings == []


def test_a_dockerfile_without_workdir_gives_app(tmp_path):
    source = write_harbor_task(tmp_path / "bare", dockerfile="FROM ubuntu:24.04\n")
    import_harbor_task(source, tmp_path / "tasks")
    assert terminal_task(TaskCatalog.load(tmp_path / "tasks"), "bare").sandbox.workdir == "/app"


def test_import_copies_the_files_the_dockerfile_copies_into_the_workdir(imported):
    logs = HARBOR_TASKS / "count-error-lines" / "environment" / "logs"
    fixtures = imported["count-error-lines"].folder / "fixtures"
    assert sorted(p.name for p in (fixtures / "logs").iterdir()) == sorted(
        p.name for p in logs.iterdir()
    )
    for log in logs.iterdir():
        assert (fixtures / "logs" / log.name).read_bytes() == log.read_bytes()
    backup = imported["fix-backup-script"].folder / "fixtures"
    assert (backup / "data" / "q2 reports" / "summary final.txt").is_file()
    assert (backup / "backup.sh").stat().st_mode & 0o111
    assert (imported["csv-to-json"].folder / "fixtures" / "inventory.csv").is_file()


def test_a_copy_outside_the_workdir_is_a_warning(imported):
    result = imported["fix-backup-script"]
    assert warnings_about(result, "COPY motd.txt /etc/motd", "outside the workdir /app")
    assert not list(result.folder.rglob("motd*"))


def test_a_copy_before_workdir_with_a_relative_destination_lands_outside(tmp_path):
    dockerfile = "FROM ubuntu:24.04\nCOPY notes.txt .\nWORKDIR /app\nCOPY notes.txt .\n"
    source = write_harbor_task(
        tmp_path / "early", dockerfile=dockerfile, files={"notes.txt": "x\n"}
    )
    result = import_harbor_task(source, tmp_path / "tasks")
    assert (result.folder / "fixtures" / "notes.txt").read_text() == "x\n"
    assert warnings_about(result, "line 2", "/notes.txt")


def test_a_missing_copy_source_is_a_warning(tmp_path):
    dockerfile = "FROM ubuntu:24.04\nWORKDIR /app\nCOPY data/ /app/data/\n"
    result = import_harbor_task(
        write_harbor_task(tmp_path / "gap", dockerfile=dockerfile), tmp_path / "t"
    )
    assert warnings_about(result, "no file data/")


def test_instruction_braces_are_doubled_and_render_back_to_the_original(catalog):
    for name in ("count-error-lines", "csv-to-json"):
        spec = catalog.resolve(f"terminal/{name}")
        original = (HARBOR_TASKS / name / "instruction.md").read_text().strip() + "\n"
        assert "{{" in spec.instruction
        assert spec.render_instruction({}) == original


def test_title_is_the_heading_or_the_first_sentence(catalog):
    assert catalog.resolve("terminal/count-error-lines").title == (
        "Count the ERROR lines in the service logs"
    )
    assert catalog.resolve("terminal/fix-backup-script").title == (
        "Our nightly backup script `/app/backup.sh` is broken."
    )
    assert len(title_of("word " * 80)) <= 100


def test_metadata_maps_to_difficulty_tags_and_limits(catalog):
    spec = catalog.resolve("terminal/count-error-lines")
    assert spec.difficulty == "easy"
    assert spec.tags[:3] == ["terminal", "imported", "harbor"]
    assert {"data-processing", "logs", "grep", "json"} <= set(spec.tags)
    assert (spec.limits.max_steps, spec.limits.max_seconds) == (50, 600)
    sandbox = terminal_task(catalog, "count-error-lines").sandbox
    assert (sandbox.memory_mb, sandbox.cpus, sandbox.verifier_timeout) == (2048, 1.0, 60.0)
    assert sandbox.image is None
    assert catalog.resolve("terminal/csv-to-json").limits.max_seconds == 900  # no [agent]


def test_a_memory_size_string_becomes_megabytes(catalog):
    sandbox = terminal_task(catalog, "fix-backup-script").sandbox
    assert (sandbox.memory_mb, sandbox.cpus) == (1024, 2.0)


def test_an_unknown_difficulty_becomes_medium_with_a_warning(imported, catalog):
    assert catalog.resolve("terminal/csv-to-json").difficulty == "medium"
    assert warnings_about(imported["csv-to-json"], "'intermediate'", "medium")


def test_apt_packages_the_sandbox_has_are_kept_and_the_others_named(imported, catalog):
    assert terminal_task(catalog, "count-error-lines").sandbox.packages == ["jq", "python3"]
    assert warnings_about(imported["count-error-lines"], "apt packages curl")
    backup = terminal_task(catalog, "fix-backup-script").sandbox.packages
    assert backup == ["tar", "gzip", "findutils", "python3"]
    assert warnings_about(imported["fix-backup-script"], "apt packages rsync")


def test_pip_installs_and_root_steps_are_warned_about_not_replayed(imported):
    assert warnings_about(imported["count-error-lines"], "pip install", "no network")
    assert warnings_about(imported["fix-backup-script"], "useradd", "needs root")
    assert not (imported["count-error-lines"].folder / "setup.sh").exists()
    assert "useradd" not in (imported["fix-backup-script"].folder / "setup.sh").read_text()


def test_plain_run_steps_become_setup_sh(imported):
    setup = (imported["fix-backup-script"].folder / "setup.sh").read_text()
    assert "chmod +x /app/backup.sh" in setup
    assert "mkdir -p /app/archives" in setup
    assert "apt-get" not in setup


def test_env_lines_become_the_sandbox_env(imported, catalog):
    sandbox = terminal_task(catalog, "csv-to-json").sandbox
    assert sandbox.env == {"INVENTORY_FILE": "/app/inventory.csv"}
    assert not warnings_about(imported["csv-to-json"], "ENV")
    generated = imported["csv-to-json"].folder / "tests" / "test_harbor_script.py"
    assert 'TASK_ENV = ["INVENTORY_FILE"]' in generated.read_text()  # passed on to test.sh
    for name in ("count-error-lines", "fix-backup-script"):
        assert terminal_task(catalog, name).sandbox.env == {}


def test_python_test_files_are_copied_with_tests_paths_pointing_at_the_verifier(imported):
    tests = imported["fix-backup-script"].folder / "tests"
    assert sorted(p.name for p in tests.iterdir()) == ["expected_manifest.txt", "test_outputs.py"]
    text = tests.joinpath("test_outputs.py").read_text()
    assert 'Path("/verifier/tests/expected_manifest.txt")' in text
    original = (HARBOR_TASKS / "fix-backup-script" / "tests" / "test_outputs.py").read_text()
    assert text == original.replace('"/tests/', '"/verifier/tests/')


def test_a_task_with_only_test_sh_gets_a_generated_test_that_runs_it(imported):
    result = imported["csv-to-json"]
    tests = result.folder / "tests"
    assert sorted(p.name for p in tests.iterdir()) == [
        "expected_inventory.json",
        "test.sh",
        "test_harbor_script.py",
    ]
    script = tests.joinpath("test.sh").read_text()
    assert "/verifier/tests/expected_inventory.json" in script
    assert all(
        line.startswith("true  # skillgym") for line in script.splitlines() if "apt-get" in line
    )
    assert "/logs/verifier/reward.txt" in script  # pointed at a private folder when it runs
    assert warnings_about(result, "test_harbor_script.py")
    assert warnings_about(result, "install steps", "apt-get install -y jq")


def test_no_generated_test_when_the_task_has_python_tests(imported):
    for name in ("count-error-lines", "fix-backup-script"):
        assert not (imported[name].folder / "tests" / "test_harbor_script.py").exists()
        assert not (imported[name].folder / "tests" / "test.sh").exists()


def test_solution_is_solve_sh_with_python_run_as_python3(imported):
    solution = (imported["count-error-lines"].folder / "solution.sh").read_text()
    original = (HARBOR_TASKS / "count-error-lines" / "solution" / "solve.sh").read_text()
    assert solution == original.replace("\npython - <<", "\npython3 - <<")
    assert warnings_about(imported["count-error-lines"], "solve.sh runs `python`")
    backup = (HARBOR_TASKS / "fix-backup-script" / "solution" / "solve.sh").read_text()
    assert (imported["fix-backup-script"].folder / "solution.sh").read_text() == backup


def test_what_python_tests_need_beyond_the_sandbox_is_named(tmp_path):
    tests = {
        "test.sh": (
            "apt-get update && apt-get install -y curl gcc libssl-dev\n"
            "gcc /tests/new.c -o /tmp/new\n"
            "uvx -w pytest -w numpy pytest /tests/test_outputs.py\n"
        ),
        "test_outputs.py": "import json\n\nimport numpy\n\n\ndef test_x():\n    assert numpy\n",
        "conftest.py": "",
        "new.c": "int main(void) { return 0; }\n",
    }
    result = import_harbor_task(write_harbor_task(tmp_path / "needy", tests=tests), tmp_path / "t")
    assert warnings_about(result, "test_outputs.py imports numpy")
    assert warnings_about(result, "test.sh is not run", "dropped", "gcc /tests/new.c")
    assert warnings_about(result, "conftest.py is dropped")
    assert warnings_about(result, "installs apt packages libssl-dev")
    assert not warnings_about(result, "packages curl")  # only fetches uv
    task = terminal_task(TaskCatalog.load(tmp_path / "t"), "needy")
    assert task.sandbox.packages == ["gcc"]
    assert (result.folder / "tests" / "new.c").is_file()
    assert not (result.folder / "tests" / "conftest.py").exists()


def test_a_base_image_is_the_sandbox_image(tmp_path):
    source = write_harbor_task(tmp_path / "imaged")
    result = import_harbor_task(source, tmp_path / "tasks", base_image="example/tools:1")
    sandbox = terminal_task(TaskCatalog.load(tmp_path / "tasks"), "imaged").sandbox
    assert sandbox.image == "example/tools:1"
    assert warnings_about(result, "example/tools:1", "docker sandbox only")


def test_the_name_defaults_to_the_folder_name_made_a_task_id(tmp_path):
    shutil.copytree(HARBOR_TASKS / "csv-to-json", tmp_path / "My Task_v2")
    result = import_harbor_task(tmp_path / "My Task_v2", tmp_path / "tasks", version="2.1.0")
    assert result.task_id == "terminal/my-task-v2"
    assert TaskCatalog.load(tmp_path / "tasks").resolve("terminal/my-task-v2").version == "2.1.0"


def test_a_given_name_is_used(tmp_path):
    result = import_harbor_task(HARBOR_TASKS / "csv-to-json", tmp_path, name="inventory-json")
    assert result.folder == tmp_path / "terminal" / "inventory-json"


# ---- episodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_oracle_scores_one_in_bwrap(catalog, name):
    result = play(catalog, name, "oracle")
    assert (result.reward, result.success) == (1.0, True), failed_checks(result)


@pytest.mark.parametrize("name", NAMES)
def test_the_noop_scores_zero_in_bwrap(catalog, name):
    result = play(catalog, name, "noop")
    assert result.reward == 0.0
    assert not result.success


def test_a_wrong_answer_scores_below_one(catalog):
    wrong = "grep -c ERROR logs/*.log | awk -F: '{s+=$2} END {print s}' > answer.txt\n"
    env = TerminalEnv(sandbox="bwrap", catalog=catalog)
    try:
        result = run_episode(
            env, ScriptPolicy(wrong, "/app"), task="terminal/count-error-lines", seed=0
        )
    finally:
        env.close()
    assert result.reward < 1.0


def test_setup_sh_has_run_when_the_agent_starts(catalog):
    env = TerminalEnv(sandbox="bwrap", catalog=catalog)
    try:
        env.reset(seed=0, options={"task": "terminal/fix-backup-script"})
        command = "test -x backup.sh && test -d archives && ls data"
        obs, *_ = env.step(json.dumps({"tool": "run", "args": {"command": command}}))
    finally:
        env.close()
    assert obs["exit_code"] == "0", obs["stderr"]
    assert obs["cwd"] == "/app"
    assert "q1 report.txt" in obs["stdout"]


def test_a_script_test_running_pytest_on_its_own_file_works(tmp_path):
    tests = {
        "test.sh": (
            "#!/bin/bash\ncurl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh\n"
            "source $HOME/.local/bin/env\nmkdir -p /logs/verifier\n"
            "uvx -p 3.13 -w pytest==8.4.1 pytest --ctrf /logs/verifier/ctrf.json "
            "/tests/checks.py -rA\n"
            'if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > "/logs/verifier/reward.txt"; fi\n'
        ),
        "checks.py": (
            "from pathlib import Path\n\n\ndef test_greeting():\n"
            '    assert Path("/srv/job/greeting.txt").read_text() == "hello\\n"\n'
        ),
    }
    source = write_harbor_task(
        tmp_path / "greet",
        dockerfile="FROM ubuntu:24.04\nWORKDIR /srv/job\n",
        solve="echo hello > greeting.txt\n",
        tests=tests,
    )
    import_harbor_task(source, tmp_path / "tasks")
    catalog = TaskCatalog.load(tmp_path / "tasks")
    script = (tmp_path / "tasks" / "terminal" / "greet" / "tests" / "test.sh").read_text()
    assert "python3 -I -m pytest -p no:cacheprovider /verifier/tests/checks.py -rA" in script
    assert play(catalog, "greet", "oracle").reward == 1.0
    assert play(catalog, "greet", "noop").reward == 0.0


KITCHEN_SINK = """\
ARG BUILDER=golang:1.22
FROM ${BUILDER} AS build
COPY main.go /src/
RUN go build -o /out/tool /src/main.go

FROM ubuntu:24.04
ENV PATH=/opt/tool/bin:$PATH
WORKDIR /app
COPY . .
COPY --from=build /out/tool /app/tool
RUN for i in 1 2 3; do echo $i > /app/n$i.txt; done
RUN cd /app && python gen.py && mkdir -p /app/out \\
    && ln -sf /usr/bin/python3 /usr/local/bin/python
CMD ["python3", "-m", "http.server", "8000"]
"""


def test_a_multi_stage_dockerfile_is_read_from_its_last_stage(tmp_path):
    source = write_harbor_task(
        tmp_path / "sink",
        dockerfile=KITCHEN_SINK,
        solve="cat n1.txt n2.txt n3.txt data.txt > out/result.txt\n",
        files={
            "main.go": "package main\n",
            "gen.py": "open('data.txt', 'w').write('42\\n')\n",
            "secret.txt": "do not ship\n",
            ".dockerignore": "secret.txt\n",
        },
        tests={
            "test.sh": "uvx -w pytest pytest /tests/test_outputs.py\n",
            "test_outputs.py": (
                "from pathlib import Path\n\n\ndef test_result():\n"
                '    assert Path("/app/out/result.txt").read_text() == "1\\n2\\n3\\n42\\n"\n'
            ),
        },
    )
    result = import_harbor_task(source, tmp_path / "tasks")
    fixtures = sorted(p.name for p in (result.folder / "fixtures").iterdir())
    assert fixtures == ["gen.py", "main.go"]  # no Dockerfile, nothing .dockerignore'd
    setup = (result.folder / "setup.sh").read_text()
    assert "export PATH=/opt/tool/bin:/usr/local/bin:/usr/bin:/bin" in setup
    assert "for i in 1 2 3; do echo $i > /app/n$i.txt; done" in setup
    assert "python3 gen.py" in setup
    assert "ln -sf" not in setup and "go build" not in setup
    assert warnings_about(result, "--from=build")
    assert warnings_about(result, "ln -sf", "outside the workdir")
    assert warnings_about(result, "CMD", "not running")
    assert warnings_about(result, "ENV PATH", "the sandbox sets its own PATH")
    catalog = TaskCatalog.load(tmp_path / "tasks")
    assert terminal_task(catalog, "sink").sandbox.env == {}
    oracle = play(catalog, "sink", "oracle")
    assert oracle.reward == 1.0, failed_checks(oracle)
    assert play(catalog, "sink", "noop").reward == 0.0


ENV_DOCKERFILE = """\
FROM ubuntu:24.04 AS build
ENV BUILD_ONLY=1
FROM ubuntu:24.04
ARG WORD=hello
ENV GREETING=$WORD OUT_DIR=/app/out
ENV GREETING_FILE=${OUT_DIR}/greeting.txt LANG=C.UTF-8
ENV HOME=/root my-flag=1 SKILLGYM_MODE=fast
WORKDIR /app
RUN mkdir -p "$OUT_DIR"
"""
ENV_TEST = """\
import os
from pathlib import Path


def test_the_greeting_is_where_the_dockerfile_env_says():
    assert os.environ["GREETING_FILE"] == "/app/out/greeting.txt"
    assert Path(os.environ["GREETING_FILE"]).read_text() == os.environ["GREETING"] + "\\n"
"""


def test_the_dockerfile_env_reaches_the_oracle_and_the_tests_in_bwrap(tmp_path):
    source = write_harbor_task(
        tmp_path / "env",
        dockerfile=ENV_DOCKERFILE,
        solve='echo "$GREETING" > "$GREETING_FILE"\n',
        tests={"test_outputs.py": ENV_TEST},
    )
    result = import_harbor_task(source, tmp_path / "tasks")
    catalog = TaskCatalog.load(tmp_path / "tasks")
    assert terminal_task(catalog, "env").sandbox.env == {
        "GREETING": "hello",  # the ARG expanded, as Docker does
        "OUT_DIR": "/app/out",
        "GREETING_FILE": "/app/out/greeting.txt",
    }
    assert warnings_about(result, "ENV my-flag=1 is not carried over")
    assert warnings_about(result, "ENV SKILLGYM_MODE=fast", "setup.sh only")
    assert warnings_about(result, "ENV HOME=/root", "the sandbox sets its own HOME")
    assert not warnings_about(result, "GREETING") and not warnings_about(result, "LANG")
    setup = (result.folder / "setup.sh").read_text()
    assert "export GREETING=hello\n" in setup and "export SKILLGYM_MODE=fast\n" in setup
    assert "my-flag" not in setup and "BUILD_ONLY" not in setup
    oracle = play(catalog, "env", "oracle")
    assert (oracle.reward, oracle.success) == (1.0, True), failed_checks(oracle)
    assert play(catalog, "env", "noop").reward == 0.0


@pytest.mark.skipif(not docker_reachable(), reason="the Docker engine is unreachable")
def test_an_imported_task_runs_in_the_docker_sandbox(catalog, docker_engine):
    oracle = play(catalog, "fix-backup-script", "oracle", sandbox="docker")
    assert (oracle.reward, oracle.success) == (1.0, True), failed_checks(oracle)
    assert play(catalog, "fix-backup-script", "noop", sandbox="docker").reward == 0.0


# ---- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("instruction.md", "instruction.md"),
        ("task.toml", "task.toml"),
        ("solution/solve.sh", "solution/solve.sh"),
        ("tests", "tests/"),
    ],
)
def test_a_missing_required_file_is_named(tmp_path, missing, named):
    source = write_harbor_task(tmp_path / "broken")
    target = source / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(TaskFormatError, match=f"missing {named}"):
        import_harbor_task(source, tmp_path / "tasks")
    assert not (tmp_path / "tasks" / "terminal" / "broken").exists()


def test_every_missing_file_is_named_at_once(tmp_path):
    source = tmp_path / "empty"
    (source / "solution").mkdir(parents=True)
    with pytest.raises(TaskFormatError) as caught:
        import_harbor_task(source, tmp_path / "tasks")
    for name in ("instruction.md", "task.toml", "solution/solve.sh", "tests/"):
        assert name in str(caught.value)


def test_a_source_that_is_not_a_folder_is_refused(tmp_path):
    with pytest.raises(TaskFormatError, match="not a folder"):
        import_harbor_task(tmp_path / "nowhere", tmp_path / "tasks")


def test_an_existing_destination_needs_force(tmp_path):
    source = write_harbor_task(tmp_path / "again")
    first = import_harbor_task(source, tmp_path / "tasks")
    (first.folder / "stale.txt").write_text("old\n")
    with pytest.raises(TaskFormatError, match=r"already exists.*force=True"):
        import_harbor_task(source, tmp_path / "tasks")
    assert (first.folder / "stale.txt").exists()
    second = import_harbor_task(source, tmp_path / "tasks", force=True)
    assert second.folder == first.folder
    assert not (second.folder / "stale.txt").exists()


def test_tests_without_test_sh_or_python_tests_are_refused(tmp_path):
    source = write_harbor_task(tmp_path / "untested", tests={"data.txt": "x\n"})
    with pytest.raises(TaskFormatError, match=r"expects test_\*\.py files or a test\.sh"):
        import_harbor_task(source, tmp_path / "tasks")
    assert not (tmp_path / "tasks" / "terminal" / "untested").exists()


def test_a_workdir_skillgym_cannot_use_is_refused_and_nothing_is_left(tmp_path):
    source = write_harbor_task(tmp_path / "rooted", dockerfile="FROM ubuntu:24.04\nWORKDIR /root\n")
    with pytest.raises(TaskFormatError, match="WORKDIR /root"):
        import_harbor_task(source, tmp_path / "tasks")
    assert list((tmp_path / "tasks").iterdir()) == []


def test_malformed_toml_is_refused(tmp_path):
    source = write_harbor_task(tmp_path / "bad", toml="[metadata\ndifficulty = 'easy'\n")
    with pytest.raises(TaskFormatError, match="expects TOML"):
        import_harbor_task(source, tmp_path / "tasks")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[agent]\ntimeout_sec = "long"\n', "timeout_sec expects a positive number"),
        ('[environment]\nmemory = "lots"\n', "memory expects a size"),
        ("[metadata]\ntags = 3\n", "tags expects a list of strings"),
    ],
)
def test_wrong_toml_values_are_named(tmp_path, toml, message):
    (tmp_path / "task.toml").write_text(toml)
    with pytest.raises(TaskFormatError, match=message):
        read_config(tmp_path / "task.toml")


def test_a_bad_name_or_version_is_refused(tmp_path):
    source = write_harbor_task(tmp_path / "fine")
    with pytest.raises(TaskFormatError, match="task name"):
        import_harbor_task(source, tmp_path / "tasks", name="Not OK")
    with pytest.raises(TaskFormatError, match="semantic version"):
        import_harbor_task(source, tmp_path / "tasks", version="1.0")


# ---- the Dockerfile and test.sh readers ---------------------------------------------------


def test_dockerfile_instructions_join_continuations_and_skip_comments():
    text = (
        "# syntax comment\nFROM ubuntu:24.04\nRUN apt-get update && \\\n"
        "    # a comment inside\n    apt-get install -y jq\n"
        "RUN <<EOF\necho hi > /app/x\nEOF\nworkdir /app\n"
    )
    found = dockerfile_instructions(text)
    assert [(i.keyword, i.arguments, i.line) for i in found] == [
        ("FROM", "ubuntu:24.04", 2),
        ("RUN", "apt-get update && apt-get install -y jq", 3),
        ("RUN", "<<EOF\necho hi > /app/x", 6),
        ("WORKDIR", "/app", 9),
    ]
    assert [i.heredoc for i in found] == [False, False, True, False]


def test_commands_split_at_top_level_and_or_semicolons_only():
    text = "mkdir -p a && echo 'x && y; z' > a/f; (cd a && ls) || true"
    assert split_commands(text) == ["mkdir -p a", "echo 'x && y; z' > a/f", "(cd a && ls) || true"]


@pytest.mark.parametrize(
    ("command", "verdict"),
    [
        (
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends jq=1.6-2",
            "apt",
        ),
        ("apt-get update", "skip"),
        ("rm -rf /var/lib/apt/lists/*", "skip"),
        ("mkdir -p /app/data", "keep"),
        ("python3 /app/make_data.py --out /app/data", "keep"),
        ("gcc -O2 -o /tmp/x /app/x.c", "keep"),
        ("mkdir -p /opt/tool", "drop"),
        ("echo hi > /etc/motd", "drop"),
        ("pip install numpy", "drop"),
        ("python3 -m pip install numpy", "drop"),
        ("git clone https://example.com/repo.git", "drop"),
        ("chown -R app /app", "drop"),
        ("node build.js", "drop"),
    ],
)
def test_run_commands_are_classified(command, verdict):
    assert classify_command(command, "/app")[0] == verdict


def test_apt_installs_give_their_package_names():
    assert classify_command("apt-get -y install jq=1.6 git:amd64 -q", "/app") == (
        "apt",
        ["jq", "git"],
    )


def test_test_sh_rewrite_neutralises_installers_and_uses_the_system_pytest():
    script, removed = rewrite_test_script(
        "apt-get update\ncurl -LsSf https://astral.sh/uv/install.sh | sh\n"
        "uvx \\\n  --with pytest \\\n  pytest /tests/check.py --ctrf /logs/verifier/c.json -rA\n"
        "python /tests/helper.py\n"
    )
    lines = script.splitlines()
    assert lines[0].startswith("true  # skillgym") and lines[1].startswith("true  # skillgym")
    assert lines[2] == "python3 -I -m pytest -p no:cacheprovider /verifier/tests/check.py -rA"
    assert lines[3] == "python3 /verifier/tests/helper.py"
    assert len(removed) == 2


def test_a_pinned_apt_version_and_another_python_are_warnings(tmp_path):
    source = write_harbor_task(
        tmp_path / "pinned",
        dockerfile=(
            "FROM python:3.13-slim-bookworm\nWORKDIR /app\n"
            "RUN apt-get update && apt-get install -y jq=1.6-2.1 make\n"
        ),
    )
    result = import_harbor_task(source, tmp_path / "tasks")
    assert warnings_about(result, "line 3: apt package jq=1.6-2.1", "not 1.6-2.1")
    assert warnings_about(result, "FROM python:3.13-slim-bookworm", "python3 is Debian 12's 3.11")


def test_a_step_writing_outside_the_workdir_names_that_path(tmp_path):
    source = write_harbor_task(
        tmp_path / "wrapper",
        dockerfile=(
            "FROM debian:12\nWORKDIR /app\n"
            'RUN echo "PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH} exec python3 -m tool" '
            "> /usr/local/bin/tool\n"
        ),
    )
    result = import_harbor_task(source, tmp_path / "tasks")
    assert warnings_about(result, "line 3", "it uses /usr/local/bin/tool")
    assert not warnings_about(result, "it uses /app")
