import hashlib
import json
import os
import random
import stat
import subprocess
from pathlib import Path

import pytest

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]
VARS = PARAMS["variables"]


def dedupe(directory, cwd="/tmp"):
    return subprocess.run(
        ["bash", str(WORKSPACE / "dedupe.sh"), str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_groups(root, groups):
    """Each group one inode, with its original's mode and time; nothing else linked to it."""
    for group in groups:
        paths = [root / p for p in group["paths"]]
        missing = [str(p) for p in paths if not p.is_file() or p.is_symlink()]
        assert not missing, f"files gone: {missing}"
        inodes = {p.stat().st_ino for p in paths}
        assert len(inodes) == 1, f"not one file: {group['paths']}"
        kept = (root / group["original"]).stat()
        assert kept.st_nlink == len(paths), f"{group['original']} has {kept.st_nlink} links"
        assert (stat.S_IMODE(kept.st_mode), int(kept.st_mtime)) == (
            group["mode"],
            group["mtime"],
        ), f"the file kept for {group['paths']} is not the original {group['original']}"


def check_apart(root, apart, empties):
    """Files without a copy and empty files: their own content, their own inode."""
    for path, digest in apart.items():
        found = root / path
        assert found.is_file() and not found.is_symlink(), f"{path} is gone"
        assert sha256(found) == digest, f"{path} changed"
        assert found.stat().st_nlink == 1, f"{path} was linked to another file"
    for path in empties:
        found = root / path
        assert found.is_file() and found.stat().st_size == 0, f"{path} is gone or not empty"
        assert found.stat().st_nlink == 1, f"the empty file {path} was linked"


def test_duplicates_in_the_share_are_links_to_their_originals():
    check_groups(WORKSPACE, EXPECTED["groups"])


@pytest.mark.essential  # linking files that only look alike loses data
def test_nothing_else_in_the_share_was_linked_or_changed():
    assert EXPECTED["groups"] and (WORKSPACE / EXPECTED["groups"][0]["original"]).is_file()
    check_apart(WORKSPACE, EXPECTED["apart"], EXPECTED["empties"])
    link = WORKSPACE / VARS["link_name"]
    assert link.is_symlink() and os.readlink(link) == VARS["link_target"]
    assert all((WORKSPACE / g["original"]).stat().st_nlink > 1 for g in EXPECTED["groups"]), (
        "the share was not deduplicated"
    )


def test_dedupe_log_lists_every_replacement():
    log = WORKSPACE / "dedupe.log"
    assert log.is_file(), "dedupe.log was not written"
    assert log.read_text().splitlines() == EXPECTED["log"]


def fresh_tree(root, rng):
    """A tree the script has never seen: groups, near copies, empties, a symlink."""
    names = ["a b.txt", "-lead.dat", "it's.bin", "z.txt", "A.txt", "sub dir/x.dat"]
    folders = ["", "one/", "-two/", "three 3/deep/", "o'clock/"]
    groups, apart, empties, taken = [], {}, [], set()

    def new_path():
        while True:
            path = rng.choice(folders) + f"{rng.randrange(100)}-" + rng.choice(names)
            if path not in taken:
                taken.add(path)
                return path

    def write(path, data, mode, when):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(mode)
        os.utime(target, (when, when))

    for number in range(4):
        data = rng.randbytes(rng.randint(1, 2000))
        paths = sorted((new_path() for _ in range(rng.randint(2, 4))), key=str.encode)
        oldest = 1_600_000_000 + rng.randrange(10**7)
        original = paths[-1] if number == 0 else paths[0] if number == 1 else rng.choice(paths)
        modes = rng.sample([0o644, 0o640, 0o600, 0o664], len(paths))
        for path, mode in zip(paths, modes, strict=True):
            tied = number == 1 and path == paths[1]
            when = oldest if path == original or tied else oldest + rng.randrange(1, 10**6)
            write(path, data, mode, when)
        groups.append(
            {
                "paths": paths,
                "original": original,
                "mode": modes[paths.index(original)],
                "mtime": oldest,
            }
        )
        near = bytearray(data)
        near[-1] ^= 1
        path = new_path()
        write(path, bytes(near), 0o644, oldest - 100)
        apart[path] = hashlib.sha256(bytes(near)).hexdigest()
    for _ in range(2):
        path = new_path()
        write(path, b"", 0o644, 1_500_000_000)
        empties.append(path)
    (root / "link").symlink_to(groups[0]["paths"][0])
    return groups, apart, empties


@pytest.mark.essential  # the script is what was asked for, not one cleaned share
def test_dedupe_sh_on_a_tree_it_has_not_seen(tmp_path):
    rng = random.Random(PARAMS["seed"] + 1000)
    root = tmp_path / "tree"
    groups, apart, empties = fresh_tree(root, rng)
    done = dedupe(root)
    assert done.returncode == 0, done.stderr
    want = sorted(
        (
            f"{root}/{p} -> {root}/{g['original']}"
            for g in groups
            for p in g["paths"]
            if p != g["original"]
        ),
        key=str.encode,
    )
    assert done.stdout.splitlines() == want
    check_groups(root, groups)
    check_apart(root, apart, empties)
    assert (root / "link").is_symlink()
    again = dedupe(root)
    assert (again.returncode, again.stdout) == (0, ""), "a second run changed something"


def test_dedupe_sh_takes_a_relative_directory(tmp_path):
    rng = random.Random(PARAMS["seed"] + 2000)
    groups, _, _ = fresh_tree(tmp_path / "rel", rng)
    done = dedupe("rel", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first = groups[0]
    copy = next(p for p in first["paths"] if p != first["original"])
    assert f"rel/{copy} -> rel/{first['original']}" in done.stdout.splitlines()
