import hashlib
import json
import os
import random
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

WORKSPACE = Path("/workspace")
SCRIPT = WORKSPACE / "backup.sh"
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
SEED = PARAMS["seed"]
AWKWARD = [
    "read me.txt",
    "line\nbreak.txt",
    "-rf",
    "--version",
    "*",
    "?",
    "$(touch pwned)",
    "`id`",
    "tab\there",
    "ünïcode.md",
    ".hidden",
    " leading",
    "trailing ",
    "back\\slash",
    "it's",
    '"quoted"',
    "[abc]",
    "semi;colon",
    "a&b",
]


# ---- helpers ----------------------------------------------------------------------
def run_backup(*args, cwd="/tmp"):
    assert SCRIPT.is_file(), "backup.sh was not written"
    return subprocess.run(
        ["bash", str(SCRIPT), *map(str, args)],
        capture_output=True,
        timeout=120,
        cwd=cwd,
    )


def snapshot(root):
    """{relative path: what it is} for everything under root, symlinks not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                out[rel] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                data = Path(path).read_bytes()
                out[rel] = (
                    "file",
                    stat.S_IMODE(info.st_mode),
                    int(info.st_mtime),
                    hashlib.sha256(data).hexdigest(),
                )
    return out


def make_tree(root, rng, files=12, size=(10, 3000)):
    """A seeded tree with awkward names, modes, mtimes, symlinks and an empty directory."""
    root.mkdir(parents=True)
    folders = [root]
    for index in range(rng.randint(2, 4)):
        folder = rng.choice(folders) / f"{rng.choice(['sub', 'more data', '-x', '.dot'])}{index}"
        folder.mkdir()
        folders.append(folder)
    names = (AWKWARD * (files // len(AWKWARD) + 1))[:files]
    rng.shuffle(names)
    made = []
    for index, name in enumerate(names):
        folder = rng.choice(folders)
        path = folder / (name if not (folder / name).exists() else f"{name}{index}")
        path.write_bytes(rng.randbytes(rng.randint(*size)))
        path.chmod(rng.choice([0o644, 0o600, 0o755, 0o444]))
        stamp = 1_700_000_000 + rng.randint(0, 10**7)
        os.utime(path, (stamp, stamp))
        made.append(path)
    (rng.choice(folders) / "empty dir").mkdir()
    os.symlink(os.path.relpath(made[0], root), root / "link to first")
    os.symlink("/nonexistent/target", root / "dangling")
    return made


def leftovers(parent, allowed):
    return sorted(set(os.listdir(parent)) - set(allowed))


def check_success(done, src, dest):
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr.decode()[-600:]}"
    assert done.stdout == b"", "stdout must stay empty"
    assert done.stderr.strip(), "it should log its steps on stderr"
    assert os.path.isdir(dest), "DEST was not created"
    assert snapshot(dest) == snapshot(src), "DEST is not a faithful copy of SRC"


def check_refused(done, code, parent, allowed):
    assert done.returncode == code, (
        f"exit {done.returncode}, expected {code}: {done.stderr.decode()[-400:]}"
    )
    assert done.stdout == b"", "stdout must stay empty"
    assert done.stderr.strip(), "a message on stderr is expected"
    assert leftovers(parent, allowed) == [], "something was left behind next to DEST"


def group_states(pgid):
    states = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            states.append(fields[0])
    return states


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return condition()


def start_backup(src, dest, stderr_path):
    assert SCRIPT.is_file(), "backup.sh was not written"
    with open(stderr_path, "wb") as err:
        return subprocess.Popen(
            ["bash", str(SCRIPT), str(src), str(dest)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            cwd="/tmp",
        )


def copy_started(parent):
    """A directory next to DEST (or DEST) already holds something."""
    for entry in os.listdir(parent):
        try:
            with os.scandir(parent / entry) as inside:
                if any(True for _ in inside):
                    return True
        except OSError:
            continue
    return False


def caught_mid_copy(proc, src, dest, parent):
    """Stop the group once the copy has begun next to DEST; True if it is still unfinished."""
    seen = wait_until(lambda: proc.poll() is not None or copy_started(parent), 60)
    if not seen or proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGSTOP)
    wait_until(lambda: all(s in "TtZX" for s in group_states(proc.pid)), 10)
    if not dest.exists() and leftovers(parent, []):
        return True
    if dest.exists():
        complete = snapshot(dest) == snapshot(src)
        assert complete, "DEST existed half-written during the copy"
    os.killpg(proc.pid, signal.SIGCONT)
    return False


def freeze_mid_copy(base, rng):
    """Start a big backup and stop its process group while the copy is unfinished.

    Returns (process, src, dest, parent) with every process of the group stopped,
    a new entry (the temporary directory) next to DEST and DEST not there yet.
    """
    for attempt, files in enumerate([1500, 4000, 10000]):
        src, parent = base / f"src{attempt}", base / f"out{attempt}"
        parent.mkdir(parents=True)
        make_tree(src, rng, files=files, size=(4000, 12000))
        dest = parent / "the backup"
        proc = start_backup(src, dest, base / f"stderr{attempt}")
        if caught_mid_copy(proc, src, dest, parent):
            return proc, src, dest, parent
        proc.wait(timeout=120)
        assert dest.exists() or leftovers(parent, []), "the script neither copied nor failed"
    pytest.fail("never saw the copy in progress in a temporary directory next to DEST")


def wait_group_gone(pgid):
    assert wait_until(lambda: all(s in "ZX" for s in group_states(pgid)), 60), (
        "processes of the backup are still running"
    )


# ---- the episode ------------------------------------------------------------------
def test_episode_backup_is_a_faithful_copy():
    src = WORKSPACE / PARAMS["variables"]["src_name"]
    dest = WORKSPACE / "backups" / PARAMS["variables"]["dest_name"]
    assert dest.is_dir(), f"{dest} was not created"
    got = snapshot(dest)
    assert got == snapshot(src)
    want = PARAMS["expected"]["tree"]
    assert sorted(got) == sorted(want)
    for path, entry in want.items():
        if entry[0] == "dir":
            assert got[path][0] == "dir", path
        else:
            assert list(got[path]) == entry, path
    assert leftovers(WORKSPACE / "backups", [PARAMS["variables"]["dest_name"]]) == []


# ---- fresh trees ------------------------------------------------------------------
def test_copies_a_tree_with_awkward_names(tmp_path):
    src, dest = tmp_path / "my files", tmp_path / "out" / "backup of my files"
    make_tree(src, random.Random(SEED * 31 + 1), files=len(AWKWARD) + 5)
    dest.parent.mkdir()
    done = run_backup(src, dest)
    check_success(done, src, dest)
    assert leftovers(dest.parent, [dest.name]) == [], "a temporary directory was left behind"
    assert not (Path("/tmp") / "pwned").exists() and not (tmp_path / "pwned").exists()


def test_relative_paths_with_leading_dashes(tmp_path):
    make_tree(tmp_path / "-src dir", random.Random(SEED * 31 + 2))
    (tmp_path / "-out").mkdir()
    done = run_backup("-src dir/", "-out/-new backup", cwd=tmp_path)
    check_success(done, tmp_path / "-src dir", tmp_path / "-out" / "-new backup")
    assert leftovers(tmp_path / "-out", ["-new backup"]) == []


def test_a_sibling_with_the_same_prefix_is_not_inside(tmp_path):
    src, dest = tmp_path / "data", tmp_path / "data-old"
    make_tree(src, random.Random(SEED * 31 + 3))
    check_success(run_backup(src, dest), src, dest)


def test_usage_errors_exit_64(tmp_path):
    src = tmp_path / "src"
    make_tree(src, random.Random(SEED * 31 + 4), files=3)
    before = snapshot(tmp_path)
    for args in [
        (),
        (src,),
        (src, tmp_path / "a", tmp_path / "b"),
        ("", tmp_path / "a"),
        (src, ""),
    ]:
        done = run_backup(*args)
        assert done.returncode == 64, f"{args}: exit {done.returncode}"
        assert b"usage" in done.stderr.lower(), f"{args}: no usage message on stderr"
        assert done.stdout == b""
    assert snapshot(tmp_path) == before


def test_missing_source_exits_66(tmp_path):
    (tmp_path / "a file").write_text("not a directory\n")
    for src in (tmp_path / "no such dir", tmp_path / "a file"):
        done = run_backup(src, tmp_path / "out")
        check_refused(done, 66, tmp_path, ["a file"])


def test_dest_inside_source_exits_65(tmp_path):
    rng = random.Random(SEED * 31 + 5)
    src = tmp_path / "proj"
    make_tree(src, rng)
    (src / "backups").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink("proj", tmp_path / "alias")
    before = snapshot(src)
    for dest in [
        src,
        f"{src}/",
        src / "backups" / "today",
        src / "new",
        tmp_path / "elsewhere" / ".." / "proj" / "x",
        tmp_path / "alias" / "backups" / "via link",
    ]:
        done = run_backup(src, dest)
        check_refused(done, 65, tmp_path, ["proj", "elsewhere", "alias"])
        assert snapshot(src) == before, f"{dest}: the source was changed"
    done = run_backup(tmp_path / "alias", src / "backups" / "b")
    check_refused(done, 65, tmp_path, ["proj", "elsewhere", "alias"])


def test_existing_dest_exits_73(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    make_tree(src, random.Random(SEED * 31 + 6), files=4)
    dest.mkdir()
    (dest / "keep me").write_text("older backup\n")
    before = snapshot(dest)
    check_refused(run_backup(src, dest), 73, tmp_path, ["src", "dest"])
    assert snapshot(dest) == before


@pytest.mark.parametrize("what", ["file", "directory"])
def test_failed_copy_exits_74_and_cleans_up(tmp_path, what):
    src, parent = tmp_path / "src", tmp_path / "out"
    made = make_tree(src, random.Random(SEED * 31 + 7), files=20)
    parent.mkdir()
    blocked = made[len(made) // 2] if what == "file" else src / "locked"
    if what == "directory":
        blocked.mkdir()
        (blocked / "secret.txt").write_text("s\n")
    blocked.chmod(0)
    try:
        done = run_backup(src, parent / "backup")
    finally:
        blocked.chmod(0o755)
    check_refused(done, 74, parent, [])


def test_dest_appears_only_when_complete(tmp_path):
    proc, src, dest, parent = freeze_mid_copy(tmp_path, random.Random(SEED * 31 + 8))
    os.killpg(proc.pid, signal.SIGCONT)
    assert proc.wait(timeout=120) == 0
    wait_group_gone(proc.pid)
    assert snapshot(dest) == snapshot(src)
    assert leftovers(parent, ["the backup"]) == []


def test_sigterm_mid_copy_cleans_up(tmp_path):
    proc, _, dest, parent = freeze_mid_copy(tmp_path, random.Random(SEED * 31 + 9))
    os.killpg(proc.pid, signal.SIGTERM)  # as a service manager stops it: the whole group
    os.killpg(proc.pid, signal.SIGCONT)
    code = proc.wait(timeout=120)
    wait_group_gone(proc.pid)
    assert code != 0, "a terminated backup must not report success"
    assert not dest.exists(), "DEST must not exist after an interrupted backup"
    assert leftovers(parent, []) == [], "the temporary directory was left behind"
