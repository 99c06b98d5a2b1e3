import json
import os
import stat
from pathlib import Path

PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
ROOT = Path("/workspace/deploy") / PARAMS["variables"]["app"]
MODES = PARAMS["expected"]["modes"]
KINDS = PARAMS["expected"]["kinds"]


def check(kinds):
    """Every path of these kinds exists with exactly its mode (file type bits aside)."""
    paths = [p for p, k in KINDS.items() if k in kinds]
    assert paths
    wrong = []
    for path in paths:
        info = os.lstat(ROOT / path)
        want_dir = KINDS[path].endswith("_dir") or KINDS[path] == "root"
        assert stat.S_ISDIR(info.st_mode) == want_dir, f"{path} changed type"
        if stat.S_IMODE(info.st_mode) != MODES[path]:
            wrong.append(f"{path}: {stat.S_IMODE(info.st_mode):04o}, expected {MODES[path]:04o}")
    assert not wrong, "\n".join(wrong)


def test_top_directory_and_its_files():
    check({"root", "top_file"})


def test_bin_scripts():
    check({"bin_dir", "script"})


def test_config_dirs_and_plain_config_files():
    check({"config_dir", "config_file"})


def test_secrets_are_private():
    check({"secret"})


def test_public_tree():
    check({"public_dir", "public_file"})


def test_logs_are_group_shared_with_setgid():
    check({"logs_dir", "log_file"})


def test_uploads():
    check({"uploads_dir", "upload_file"})


def test_swap_files_removed_and_nothing_else():
    left = [s for s in PARAMS["expected"]["swaps"] if os.path.lexists(ROOT / s)]
    assert not left, f"swap files left: {left}"
    gone = [p for p in KINDS if not os.path.lexists(ROOT / p)]
    assert not gone, f"removed: {gone}"


def test_nothing_world_writable_and_no_special_bits():
    bad = []
    for folder, dirs, files in os.walk(ROOT):
        for name in [*dirs, *files, ""]:
            path = Path(folder, name) if name else Path(folder)
            info = os.lstat(path)
            mode = stat.S_IMODE(info.st_mode)
            rel = path.relative_to(ROOT).as_posix()
            allowed = stat.S_ISGID if KINDS.get(rel) == "logs_dir" else 0
            if (
                mode & stat.S_IWOTH
                or mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX) & ~allowed
            ):
                bad.append(f"{rel}: {mode:04o}")
    assert not bad, "\n".join(sorted(set(bad)))
