import json
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path("/workspace/repo")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "GIT_CONFIG_NOSYSTEM": "1"}
MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)", re.M)


def git(*args, check=True):
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=30, env=ENV
    )
    if check:
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


def merge_commit():
    """HEAD, checked that it is a two-parent merge commit on main."""
    assert (REPO / ".git").is_dir(), "the repository is gone"
    branch = git("symbolic-ref", "-q", "HEAD", check=False).strip()
    assert branch == "refs/heads/main", f"HEAD is {branch or 'detached'}, expects main checked out"
    parents = git("rev-list", "--parents", "-n", "1", "HEAD").split()[1:]
    count = len(parents)  # (not the hashes: pytest would show them in the failure)
    assert count == 2, f"HEAD has {count} parent(s): not a merge commit"
    return parents


def show(rev, path):
    return git("show", f"{rev}:{path}")


def checkout(tmp_path):
    """HEAD's tree, extracted to a folder."""
    archive = tmp_path / "head.tar"
    git("archive", "--format=tar", "-o", str(archive), "HEAD")
    target = tmp_path / "head"
    target.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(target)], check=True, timeout=30)
    return target


def run_python(folder, code):
    done = subprocess.run(
        ["python3", "-P", "-s", "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=str(folder),
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": str(folder)},
    )
    assert done.returncode == 0, done.stderr[-1500:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_head_merges_the_branch_tip_into_main_tip():
    first, second = merge_commit()
    for path, text in EXPECTED["main_tip"].items():
        assert show(first, path) == text, f"the first parent is not main's tip ({path} differs)"
    for path, text in EXPECTED["branch_tip"].items():
        assert show(second, path) == text, (
            f"the second parent is not the tip of {EXPECTED['branch']} ({path} differs)"
        )


def test_no_conflict_markers_anywhere():
    merge_commit()
    hits = []
    for path in git("ls-files").splitlines():
        file = REPO / path
        text = file.read_text(errors="replace") if file.is_file() else ""
        committed = git("show", f"HEAD:{path}", check=False)
        if MARKER.search(text) or MARKER.search(committed):
            hits.append(path)
    assert not hits, f"conflict markers left in {hits}"


@pytest.mark.essential  # the conflict resolved as asked: main's key, the branch's value
def test_settings_after_the_merge(tmp_path):
    merge_commit()
    folder = checkout(tmp_path)
    settings = run_python(folder, "import json, app.config as c; print(json.dumps(c.SETTINGS))")
    assert settings == EXPECTED["settings"]


@pytest.mark.essential  # the merged code must run against the renamed key
def test_code_reads_the_renamed_setting(tmp_path):
    merge_commit()
    folder = checkout(tmp_path)
    got = run_python(
        folder,
        "import json, app.client as c, app.retry as r; "
        "print(json.dumps([c.upstream_timeout(), c.client_options()['timeout'], "
        "r.retry_budget_seconds()]))",
    )
    want = EXPECTED["upstream_timeout"]
    assert got == [want, want, EXPECTED["retry_budget"]]
    readme = show("HEAD", "README.md")
    assert EXPECTED["readme_line"] in readme, "main's README change was lost"


def test_changelog_has_every_entry_once_newest_first():
    merge_commit()
    text = show("HEAD", "CHANGELOG.md")
    headings = re.findall(r"^## (\d{4}-\d{2}-\d{2}) - (.+)$", text, re.M)
    want = [(day, title) for day, title, _ in EXPECTED["changelog"]]
    assert headings == want, f"sections {headings}, expects {want}"
    sections = re.split(r"(?m)^(?=## )", text)[1:]
    for section, (_, _, bullets) in zip(sections, EXPECTED["changelog"], strict=True):
        got = [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]
        assert got == bullets, f"{section.splitlines()[0]}: {got}, expects {bullets}"


def test_work_tree_is_clean_and_the_merge_is_finished():
    merge_commit()
    assert not (REPO / ".git" / "MERGE_HEAD").exists(), "a merge is still in progress"
    status = git("status", "--porcelain", "--untracked-files=all")
    assert status.strip() == "", f"work tree not clean:\n{status}"
