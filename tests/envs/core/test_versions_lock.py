import re

import pytest

from skillgym.envs.core.tasks import TaskCatalog, default_tasks_dir
from skillgym.envs.core.versions_lock import LOCK_NAME, LockEntry, VersionsLock, next_patch
from skillgym.errors import TaskFormatError

HASH = "0" * 64
ENTRY = LockEntry(HASH, HASH)


def test_every_bundled_task_version_is_locked_with_its_current_content():
    catalog = TaskCatalog.load()
    lock = VersionsLock.load(default_tasks_dir() / LOCK_NAME)
    versions = [v for task_id in catalog.ids() for v in catalog.versions(task_id)]
    assert [lock.problem(v) for v in versions] == [None] * len(versions)
    assert lock.missing(versions) == []


def test_a_missing_lock_file_is_an_empty_lock(tmp_path):
    assert VersionsLock.load(tmp_path / LOCK_NAME).entries == {}


def test_a_bad_line_names_the_file_and_line(tmp_path):
    path = tmp_path / LOCK_NAME
    path.write_text("# header\narithmetic/sum-list 1.0.0 md5:abc\n")
    with pytest.raises(
        TaskFormatError, match=re.escape(f"{path}:2: expects '<family/name> <1.0.0> sha256:")
    ):
        VersionsLock.load(path)


def test_write_then_load_round_trips_sorted_by_semver(tmp_path):
    lock = VersionsLock(
        {("a/x", "1.10.0"): ENTRY, ("a/x", "1.2.0"): ENTRY, ("a/b", "2.0.0"): ENTRY}
    )
    lock.write(tmp_path / LOCK_NAME)
    lines = [
        line for line in (tmp_path / LOCK_NAME).read_text().splitlines() if not line.startswith("#")
    ]
    assert [line.split()[:2] for line in lines] == [
        ["a/b", "2.0.0"],
        ["a/x", "1.2.0"],
        ["a/x", "1.10.0"],
    ]
    assert VersionsLock.load(tmp_path / LOCK_NAME) == lock


def test_a_changed_task_must_get_a_new_version():
    spec = TaskCatalog.load().resolve("arithmetic/sum-list@1.0.0")
    problem = VersionsLock({(spec.id, spec.version): ENTRY}).problem(spec)
    assert "arithmetic/sum-list@1.0.0 changed since it was locked" in problem
    assert "e.g. 1.0.1, keeping the old one as sum-list@1.0.0/" in problem


def test_an_unlocked_task_is_told_how_to_lock_it():
    spec = TaskCatalog.load().resolve("arithmetic/sum-list")
    assert "run `skillgym validate --update-lock`" in VersionsLock({}).problem(spec)


def test_adding_never_rewrites_a_locked_hash():
    spec = TaskCatalog.load().resolve("arithmetic/sum-list")
    lock = VersionsLock({(spec.id, spec.version): ENTRY}).adding([(spec, "1" * 64)])
    assert lock.entry(spec.id, spec.version) == ENTRY


def test_missing_lists_locked_versions_no_longer_present():
    lock = VersionsLock({("arithmetic/gone", "1.0.0"): ENTRY})
    assert lock.missing([]) == [
        "arithmetic/gone@1.0.0 is locked but no longer in the tasks folder: restore it, "
        "or remove its line from versions.lock if no suite pins it."
    ]


def test_next_patch_bumps_the_last_number():
    assert next_patch("1.2.9") == "1.2.10"


def test_episodes_that_change_while_the_files_do_not_are_refused():
    spec = TaskCatalog.load().resolve("arithmetic/sum-list@1.0.0")
    lock = VersionsLock({(spec.id, spec.version): LockEntry(spec.content_hash, HASH)})
    assert lock.problem(spec) is None  # the files alone still match
    problem = lock.problem(spec, episodes="1" * 64)
    assert "arithmetic/sum-list@1.0.0's episodes changed while its files did not" in problem
    assert "the arithmetic family's code now generates or verifies them differently" in problem
