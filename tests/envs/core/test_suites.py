from pathlib import Path

import pytest

from skillgym.envs.core.errors import TaskFormatError, TaskNotFoundError
from skillgym.envs.core.suites import Suite, load_suite, suite_files
from skillgym.envs.core.tasks import TaskCatalog


def test_the_core_suite_pins_versions_the_catalogue_has() -> None:
    suite = load_suite("core-v1")
    catalog = TaskCatalog.load()
    assert suite.families == ["flight", "spreadsheet", "terminal"]
    assert all(catalog.resolve(ref).ref == ref for ref in suite.tasks)
    assert len(suite.seeds) >= 4


def test_a_task_without_a_version_is_refused() -> None:
    with pytest.raises(ValueError, match="pinned as family/name@version"):
        Suite(name="loose", tasks=["arithmetic/sum-list"], seeds=[0])


def test_an_unknown_suite_names_those_there_are() -> None:
    with pytest.raises(TaskNotFoundError, match=r"suites: .*core-v1"):
        load_suite("nope")


def test_a_suite_file_can_be_named_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("tasks: [arithmetic/sum-list@1.0.0]\nseeds: [3]\n")
    assert load_suite(str(path)).name == "mine"
    path.write_text("tasks: [arithmetic/sum-list@1.0.0]\nseed: [3]\n")
    with pytest.raises(TaskFormatError, match=r"mine\.yaml is not a suite"):
        load_suite(str(path))


def test_suites_come_from_every_task_root(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "extra.yaml").write_text("tasks: [a/b@1.0.0]\nseeds: [0]\n")
    assert "extra" in suite_files([tmp_path])
