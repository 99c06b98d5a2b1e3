import re
import textwrap
from pathlib import Path

import pytest

from skillgym.envs.core.tasks import TaskCatalog, load_task_file, split_ref
from skillgym.errors import TaskFormatError, TaskNotFoundError

VALID = """\
id: arithmetic/sum-list
version: {version}
family: arithmetic
title: Add numbers
instruction: "Add {{numbers}}."
generator: sum_list
difficulty: easy
"""


def write_task(root: Path, folder: str, text: str) -> Path:
    path = root / "arithmetic" / folder / "task.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def two_versions(tmp_path: Path) -> TaskCatalog:
    write_task(tmp_path, "sum-list", VALID.format(version="1.2.0"))
    write_task(tmp_path, "sum-list@1.0.0", VALID.format(version="1.0.0"))
    write_task(tmp_path, "sum-list@1.10.0", VALID.format(version="1.10.0"))
    return TaskCatalog.load(tmp_path)


def test_resolve_without_version_gives_the_latest(two_versions):
    assert two_versions.resolve("arithmetic/sum-list").version == "1.10.0"


def test_resolve_with_version_gives_that_version(two_versions):
    assert two_versions.resolve("arithmetic/sum-list@1.0.0").ref == "arithmetic/sum-list@1.0.0"


def test_versions_are_listed_oldest_first_by_semver(two_versions):
    assert [s.version for s in two_versions.versions("arithmetic/sum-list")] == [
        "1.0.0",
        "1.2.0",
        "1.10.0",
    ]


def test_unknown_version_lists_the_available_ones(two_versions):
    message = "Task 'arithmetic/sum-list' has no version '2.0.0'; available versions: 1.0.0, 1.2.0, 1.10.0."
    with pytest.raises(TaskNotFoundError, match=re.escape(message)):
        two_versions.resolve("arithmetic/sum-list@2.0.0")


def test_unknown_task_suggests_the_closest_id(two_versions):
    with pytest.raises(TaskNotFoundError, match=re.escape("Did you mean arithmetic/sum-list?")):
        two_versions.resolve("arithmetic/sum-lst")


def test_resolve_refuses_a_task_of_another_family(two_versions):
    with pytest.raises(TaskNotFoundError, match="belongs to family 'arithmetic', not 'flight'"):
        two_versions.resolve("arithmetic/sum-list", family="flight")


def test_split_ref_separates_id_and_version():
    assert split_ref("flight/cheapest-nonstop@1.0.0") == ("flight/cheapest-nonstop", "1.0.0")
    assert split_ref("flight/cheapest-nonstop") == ("flight/cheapest-nonstop", None)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "version: 1.0.0",
            "version: one",
            "version: Value error, expects a semantic version like '1.0.0'",
        ),
        (
            "id: arithmetic/sum-list",
            "id: Sum List",
            "id: Value error, expects an id like 'family/task-name'",
        ),
        (
            "difficulty: easy",
            "difficulty: brutal",
            "difficulty: Input should be 'easy', 'medium' or 'hard'",
        ),
        ("title: Add numbers\n", "", "title: Field required"),
        (
            "generator: sum_list",
            "generator: sum_list\nsurprise: 1",
            "surprise: Extra inputs are not permitted",
        ),
        (
            'instruction: "Add {numbers}."',
            'instruction: "Add {numbers.__class__}."',
            "expects placeholders like {name}",
        ),
        ("family: arithmetic", "family: flight", "must start with its family 'flight'/"),
    ],
)
def test_bad_task_files_name_the_file_and_the_problem(tmp_path, replace, by, message):
    text = VALID.format(version="1.0.0")
    assert replace in text
    path = write_task(tmp_path, "sum-list", text.replace(replace, by))
    with pytest.raises(TaskFormatError, match=re.escape(message)) as raised:
        load_task_file(path)
    assert str(path) in str(raised.value)


def test_yaml_that_does_not_parse_is_a_task_format_error(tmp_path):
    path = write_task(tmp_path, "sum-list", "id: [unclosed\n")
    with pytest.raises(TaskFormatError, match="cannot read task file"):
        load_task_file(path)


def test_folder_must_match_the_task_id(tmp_path):
    path = write_task(tmp_path, "other-name", VALID.format(version="1.0.0"))
    with pytest.raises(
        TaskFormatError, match=re.escape("expects the folder tasks/arithmetic/sum-list[@1.0.0]")
    ):
        load_task_file(path)


def test_the_same_version_twice_is_refused(tmp_path):
    write_task(tmp_path, "sum-list", VALID.format(version="1.0.0"))
    write_task(tmp_path, "sum-list@1.0.0", VALID.format(version="1.0.0"))
    with pytest.raises(TaskFormatError, match="is defined twice"):
        TaskCatalog.load(tmp_path)


def test_content_hash_changes_with_any_file_of_the_task(tmp_path):
    path = write_task(tmp_path, "sum-list", VALID.format(version="1.0.0"))
    before = load_task_file(path).content_hash
    (path.parent / "fixture.txt").write_text("data")
    assert load_task_file(path).content_hash != before


def test_render_instruction_names_a_missing_variable(tmp_path):
    spec = load_task_file(write_task(tmp_path, "sum-list", VALID.format(version="1.0.0")))
    with pytest.raises(
        TaskFormatError,
        match=re.escape("instruction uses {numbers} but the generator made only ['count']"),
    ):
        spec.render_instruction({"count": 3})


def test_bundled_catalogue_loads():
    assert "arithmetic/sum-list" in TaskCatalog.load().ids("arithmetic")
