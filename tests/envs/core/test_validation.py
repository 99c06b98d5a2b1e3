import hashlib
import json
import shutil

from skillgym.envs.arithmetic.env import ArithmeticEnv
from skillgym.envs.core.tasks import TaskCatalog, default_tasks_dir
from skillgym.envs.core.validation import check_episodes, fingerprint, lock_new_versions, validate
from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.core.versions_lock import LockEntry, VersionsLock


def copy_task(tmp_path, name="sum-list"):
    target = tmp_path / "arithmetic" / name
    shutil.copytree(default_tasks_dir() / "arithmetic" / name, target)
    return target / "task.yaml"


def test_a_bundled_task_passes_its_episode_checks():
    catalog = TaskCatalog.load()
    report = check_episodes(catalog.resolve("arithmetic/shopping-receipt"), catalog, seeds=range(3))
    assert report.episodes_ok
    assert (report.oracle_scores, report.noop_score) == ([1.0, 1.0, 1.0], 0.0)


def test_a_task_whose_generator_does_not_exist_is_reported_not_raised(tmp_path):
    path = copy_task(tmp_path)
    (path.parent / "generate.py").unlink()
    catalog = TaskCatalog.load(tmp_path)
    report = check_episodes(catalog.resolve("arithmetic/sum-list"), catalog, seeds=[0])
    assert not report.ok
    assert "the task's folder has no generate.py" in report.problems[0]


def test_validate_marks_unlocked_and_changed_versions(tmp_path):
    copy_task(tmp_path)
    catalog = TaskCatalog.load(tmp_path)
    [unlocked] = validate(catalog, VersionsLock({}), seeds=[0])
    assert (unlocked.episodes_ok, unlocked.lock, unlocked.ok) == (True, "unlocked", False)
    [changed] = validate(
        catalog,
        VersionsLock({("arithmetic/sum-list", "1.0.0"): LockEntry("0" * 64, "0" * 64)}),
        seeds=[0],
    )
    assert changed.lock == "changed" and "changed since it was locked" in changed.all_problems[-1]


def test_only_unlocked_versions_whose_episodes_pass_are_locked(tmp_path):
    copy_task(tmp_path, "sum-list")
    broken = copy_task(tmp_path, "order-of-operations")
    broken.write_text(broken.read_text().replace("operands: 6", "operands: 99"))
    catalog = TaskCatalog.load(tmp_path)
    reports = list(validate(catalog, VersionsLock({}), seeds=[0]))
    lock = lock_new_versions(VersionsLock({}), reports, catalog)
    assert list(lock.entries) == [("arithmetic/sum-list", "1.0.0")]


def test_the_episode_fingerprint_pins_what_the_family_makes_of_a_task(tmp_path, monkeypatch):
    copy_task(tmp_path)
    catalog = TaskCatalog.load(tmp_path)
    [before] = validate(catalog, VersionsLock({}), seeds=[0])
    assert before.episodes is not None and before.oracle_scores == [
        1.0,
        1.0,
        1.0,
    ]  # seeds 0-2 always
    lock = lock_new_versions(VersionsLock({}), [before], catalog)

    real = ArithmeticEnv.start_episode

    def one_more(self, spec, rng, options):  # the family's code changes; the task's files do not
        variables = real(self, spec, rng, options)
        return {**variables, "count": variables["count"] + 1}

    monkeypatch.setattr(ArithmeticEnv, "start_episode", one_more)
    [after] = validate(catalog, lock, seeds=[0])
    assert after.episodes_ok and after.lock == "changed"
    assert "episodes changed while its files did not" in after.lock_message


def test_a_check_field_added_later_leaves_locked_fingerprints_alone():
    first = {"a": "b"}
    check = Check(name="x", passed=True, expected="1", actual="1")
    verdict = Verification.from_checks([check])
    before_the_field = verdict.model_dump()  # as versions locked before ``essential`` hashed it
    for item in before_the_field["checks"]:
        del item["essential"]
    locked = hashlib.sha256(
        json.dumps([[0, first, before_the_field]], sort_keys=True).encode()
    ).hexdigest()
    essential = Verification.from_checks([check.model_copy(update={"essential": True})])
    assert fingerprint([(0, first, verdict)]) == locked
    assert fingerprint([(0, first, essential)]) != locked


def test_a_superseded_version_is_checked_but_its_cheats_are_not_played(tmp_path, monkeypatch):
    old = copy_task(tmp_path)
    old.parent.rename(tmp_path / "arithmetic" / "sum-list@1.0.0")
    new = copy_task(tmp_path)
    new.write_text(new.read_text().replace("version: 1.0.0", "version: 1.1.0"))
    played = []
    monkeypatch.setattr(
        ArithmeticEnv, "cheats", lambda self: played.append(self.episode.spec.ref) or {}
    )
    catalog = TaskCatalog.load(tmp_path)
    reports = {r.ref: r for r in validate(catalog, VersionsLock({}), seeds=[0])}
    assert reports["arithmetic/sum-list@1.0.0"].superseded_by == "1.1.0"
    assert reports["arithmetic/sum-list@1.0.0"].episodes_ok
    assert reports["arithmetic/sum-list@1.1.0"].superseded_by is None
    assert played == ["arithmetic/sum-list@1.1.0"]


def test_a_cheat_that_scores_half_is_a_problem(tmp_path, monkeypatch):
    copy_task(tmp_path)
    catalog = TaskCatalog.load(tmp_path)
    monkeypatch.setattr(ArithmeticEnv, "cheats", lambda self: {"answer-right": self.oracle()})
    [report] = validate(catalog, VersionsLock({}), seeds=[0])
    assert report.cheat_scores == {"answer-right": 1.0}
    assert "cheat 'answer-right' scored 1.000 (expects < 0.5)" in report.problems[0]
