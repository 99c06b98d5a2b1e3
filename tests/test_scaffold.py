"""``skillgym new task``: every family's template is a working task the moment it is written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillgym.cli import build_app
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.core.validation import check_episodes
from skillgym.errors import EnvNotFoundError, RequestError

runner = CliRunner()


def new_task(task_id: str, tasks_dir: Path, *more: str):
    return runner.invoke(
        build_app(), ["new", "task", task_id, "--tasks-dir", str(tasks_dir), *more]
    )


def written(task_id: str, tasks_dir: Path) -> TaskCatalog:
    result = new_task(task_id, tasks_dir)
    assert result.exit_code == 0, result.output
    assert f"skillgym validate {task_id} --tasks-dir {tasks_dir}" in result.output
    return TaskCatalog.load(tasks_dir)


@pytest.mark.parametrize("family", ["arithmetic", "spreadsheet", "terminal"])
def test_a_new_task_passes_its_oracle_no_op_and_cheats_as_written(family, tmp_path):
    catalog = written(f"{family}/my-first-task", tmp_path)
    spec = catalog.resolve(f"{family}/my-first-task")
    assert (spec.ref, spec.folder) == (
        f"{family}/my-first-task@1.0.0",
        tmp_path / family / "my-first-task",
    )
    report = check_episodes(spec, catalog, seeds=[0])
    assert report.problems == []
    assert set(report.oracle_scores) == {1.0} and report.noop_score == 0.0
    assert all(score < 0.5 for score in report.cheat_scores.values()), report.cheat_scores
    if family != "arithmetic":  # the arithmetic family has no cheats to play
        assert report.cheat_scores


def test_a_new_flight_task_books_its_oracle_on_the_site(tmp_path):
    catalog = written("flight/my-first-task", tmp_path)
    task = "flight/my-first-task@1.0.0"
    oracle = make_policy("oracle", family="flight", task=task, seed=0, catalog=catalog)
    env = env_class("flight")(catalog=catalog)
    try:
        result = run_episode(env, oracle, task=task, seed=0)
    finally:
        env.close()
    assert (result.reward, result.success) == (1.0, True)


def test_the_template_placeholders_are_filled_in(tmp_path):
    written("terminal/count-errors", tmp_path)
    folder = tmp_path / "terminal" / "count-errors"
    texts = [p.read_text() for p in folder.rglob("*") if p.is_file()]
    assert "id: terminal/count-errors\n" in (folder / "task.yaml").read_text()
    assert not [t for t in texts if "{{" in t]
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "cheats/grep-the-word.sh",
        "cheats/hard-coded-report.sh",
        "generate.py",
        "solution.sh",
        "task.yaml",
        "tests/test_errors.py",
    ]


def test_an_existing_folder_is_refused_without_force(tmp_path):
    written("arithmetic/split-bill", tmp_path)
    task_yaml = tmp_path / "arithmetic" / "split-bill" / "task.yaml"
    task_yaml.write_text(task_yaml.read_text().replace("difficulty: easy", "difficulty: hard"))

    refused = new_task("arithmetic/split-bill", tmp_path)
    assert isinstance(refused.exception, RequestError)
    assert refused.exception.message == (
        f"{tmp_path / 'arithmetic' / 'split-bill'} already exists; pass --force to overwrite it."
    )
    assert "difficulty: hard" in task_yaml.read_text()

    forced = new_task("arithmetic/split-bill", tmp_path, "--force")
    assert forced.exit_code == 0, forced.output
    assert "difficulty: easy" in task_yaml.read_text()


@pytest.mark.parametrize("task_id", ["count-lines", "Terminal/count-lines", "terminal/count_lines"])
def test_a_malformed_id_is_refused_with_the_shape_expected(task_id, tmp_path):
    result = new_task(task_id, tmp_path)
    assert isinstance(result.exception, RequestError)
    assert re.fullmatch(
        re.escape("Expects a task id like 'terminal/count-lines' (lower case, digits and dashes), ")
        + re.escape(f"actual value: {task_id!r}"),
        result.exception.message,
    )
    assert not any(tmp_path.iterdir())


def test_the_command_line_prints_the_error_and_exits_1(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "skillgym.cli",
            "new",
            "task",
            "count-lines",
            "--tasks-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "error: Expects a task id like 'terminal/count-lines' (lower case, digits and dashes), "
        "actual value: 'count-lines'\n"
    )


def test_an_unknown_family_suggests_the_closest(tmp_path):
    result = new_task("termnal/count-lines", tmp_path)
    assert isinstance(result.exception, EnvNotFoundError)
    assert "Did you mean terminal?" in result.exception.message
