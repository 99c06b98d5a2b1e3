import gzip
import hashlib
import json
import os
import random
import subprocess
from pathlib import Path
from types import SimpleNamespace as Namespace

import pytest

WORKSPACE = Path("/workspace")
SCRIPT = WORKSPACE / "rotate.sh"
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
MAX_BYTES = PARAMS["variables"]["max_bytes"]
KEEP = PARAMS["variables"]["keep"]
EXPECTED = PARAMS["expected"]
NOW = 1_750_000_000
DAY = 86_400


# ---- helpers ----------------------------------------------------------------------
def content(path):
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def sha(data):
    return hashlib.sha256(data).hexdigest()


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def run_rotate(directory):
    assert SCRIPT.is_file(), "rotate.sh was not written"
    return subprocess.run(
        ["bash", str(SCRIPT), str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/tmp",
    )


def text_of(rng, size):
    if size == 0:
        return b""
    out, total = [], 0
    while total < size:
        line = f"{NOW - rng.randint(0, 9 * DAY)} {rng.choice(['INFO', 'WARN', 'DEBUG'])} op={rng.randrange(10**6)}\n"
        out.append(line)
        total += len(line)
    return ("".join(out)[: size - 1] + "\n").encode()


def build(root, rng):
    """A log directory unlike the episode's; returns {relative path: (content, mtime)}."""
    state = {}
    names = rng.sample(
        ["gateway", "ledger", "report builder", "sync", "web", "queue-consumer", "cache", "jobs"], 8
    )

    def live(name, size, generations):
        mtime = NOW - rng.randint(60, 5000)
        state[f"{name}.log"] = (text_of(rng, size), mtime)
        for index in range(1, generations + 1):
            mtime -= rng.randint(DAY, 2 * DAY)
            state[f"{name}.log.{index}{'' if index == 1 else '.gz'}"] = (
                text_of(rng, rng.randint(1000, 3000)),
                mtime,
            )

    live(names[0], MAX_BYTES + rng.randint(2, 5000), KEEP)  # full: the oldest goes
    live(names[1], MAX_BYTES + rng.randint(2, 5000), KEEP - 1)  # fills up to KEEP
    live(names[2], MAX_BYTES + rng.randint(2, 5000), 1)
    live(names[3], MAX_BYTES + 1, 0)  # one byte over: rotated
    live(names[4], MAX_BYTES, 2)  # at the limit: untouched
    live(names[5], rng.randint(1, MAX_BYTES // 3), rng.randint(1, KEEP))
    live(names[6], 0, 1)
    big = MAX_BYTES + rng.randint(10, 5000)
    for path in [
        f"{names[0]}.log.old",
        f"{names[1]}.logs",
        f"{names[2]}.log.tmp",
        f"{names[7]}.LOG",
        f"old/{names[3]}.log",
        f"old/{names[7]}.log.1",
    ]:
        state[path] = (text_of(rng, big), NOW - rng.randint(3, 30) * DAY)
    state["README"] = (b"logs of the staging cluster\n", NOW - 90 * DAY)
    for path, (data, mtime) in state.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(data) if path.endswith(".gz") else data)
        os.utime(target, (mtime, mtime))
    return state, names


def is_live(path):
    return "/" not in path and path.endswith(".log")


def predict(state):
    after = dict(state)
    for path, (data, mtime) in state.items():
        if not is_live(path) or len(data) <= MAX_BYTES:
            continue
        after.pop(f"{path}.{KEEP}.gz", None)
        for index in range(KEEP - 1, 1, -1):
            if f"{path}.{index}.gz" in after:
                after[f"{path}.{index + 1}.gz"] = after.pop(f"{path}.{index}.gz")
        if f"{path}.1" in after:
            after[f"{path}.2.gz"] = after.pop(f"{path}.1")
        after[f"{path}.1"] = (data, mtime)
        after[path] = (b"", None)
    return after


class Fresh:
    def __init__(self, root, seed):
        self.root = root
        self.state, self.names = build(root, random.Random(seed))
        self.after = predict(self.state)
        self.rotated = sorted(
            p for p, (d, _) in self.state.items() if is_live(p) and len(d) > MAX_BYTES
        )
        self.inodes = {p: (root / p).stat().st_ino for p in self.state if p.endswith(".log")}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    case = Fresh(tmp_path_factory.mktemp("rotation") / "logs", PARAMS["seed"] * 7919 + 13)
    case.done = run_rotate(case.root)
    return case


def check_ran(case):
    assert case.done.returncode == 0, f"exit {case.done.returncode}: {case.done.stderr[-500:]}"


# ---- the episode's own directory ----------------------------------------------------
def test_episode_logs_rotated_and_truncated():
    logs = WORKSPACE / "logs"
    for name in EXPECTED["rotated"]:
        assert (logs / name).stat().st_size == 0, f"{name} was not truncated"
        want = EXPECTED["after"][f"{name}.1"]
        assert sha(content(logs / f"{name}.1")) == want["sha256"], (
            f"{name}.1 is not the old live log"
        )


def test_episode_generations_shifted_and_gzipped():
    logs = WORKSPACE / "logs"
    assert files_under(logs) == sorted(EXPECTED["after"])
    for path, want in EXPECTED["after"].items():
        data = (logs / path).read_bytes()
        if path.endswith(".gz"):
            assert data[:2] == b"\x1f\x8b", f"{path} is not gzip"
            data = gzip.decompress(data)
        assert sha(data) == want["sha256"], f"{path} does not hold what it should"


def test_episode_mtimes_kept():
    logs = WORKSPACE / "logs"
    for path, want in EXPECTED["after"].items():
        if want["mtime"] is not None:
            assert int((logs / path).stat().st_mtime) == want["mtime"], f"{path}: mtime changed"


def test_episode_bystanders_untouched():
    logs = WORKSPACE / "logs"
    assert (logs / EXPECTED["rotated"][0]).stat().st_size == 0, "the logs were not rotated"
    for path, want in EXPECTED["after"].items():
        if path.endswith((".txt", ".old", ".bak")) or "/" in path:
            assert sha((logs / path).read_bytes()) == want["sha256"], f"{path} was modified"
            assert int((logs / path).stat().st_mtime) == want["mtime"], f"{path} was touched"


# ---- a directory the script has not seen ------------------------------------------
@pytest.mark.essential  # the script, on logs it has not seen
def test_fresh_live_logs_truncated_in_place(fresh):
    check_ran(fresh)
    for path in fresh.rotated:
        stat = (fresh.root / path).stat()
        assert stat.st_size == 0, f"{path} was not truncated"
        assert stat.st_ino == fresh.inodes[path], f"{path} was replaced, not truncated in place"


def test_an_open_writer_goes_on_in_the_live_log(tmp_path):
    case = Fresh(tmp_path / "logs", PARAMS["seed"] * 7919 + 15)
    writer = case.root / f"{case.names[0]}.log"
    fd = os.open(writer, os.O_WRONLY | os.O_APPEND)
    try:
        check_ran(Namespace(done=run_rotate(case.root)))
        os.write(fd, b"written after the rotation\n")
    finally:
        os.close(fd)
    assert writer.read_bytes() == b"written after the rotation\n"
    assert (case.root / f"{writer.name}.1").read_bytes() == case.state[writer.name][0]


@pytest.mark.essential  # the script, on logs it has not seen
def test_fresh_generations_shifted_and_gzipped(fresh):
    check_ran(fresh)
    for path in fresh.rotated:
        for index in range(1, KEEP + 2):
            name = f"{path}.{index}{'' if index == 1 else '.gz'}"
            want = fresh.after.get(name)
            if want is None:
                assert not (fresh.root / name).exists(), f"{name} should not exist"
                assert not (fresh.root / f"{path}.{index}").exists()
            else:
                assert (fresh.root / name).is_file(), f"{name} is missing"
                assert content(fresh.root / name) == want[0], f"{name} holds the wrong data"


def test_fresh_limit_is_strictly_greater(fresh):
    check_ran(fresh)
    over, at = f"{fresh.names[3]}.log", f"{fresh.names[4]}.log"
    assert (fresh.root / f"{over}.1").read_bytes() == fresh.state[over][0]
    for path in (at, f"{at}.1", f"{at}.2.gz"):
        data, mtime = fresh.state[path]
        assert content(fresh.root / path) == data, f"{path} changed"
        assert int((fresh.root / path).stat().st_mtime) == mtime, f"{path} was touched"


def test_fresh_nothing_else_touched(fresh):
    check_ran(fresh)
    assert files_under(fresh.root) == sorted(fresh.after)
    for path, (data, mtime) in fresh.after.items():
        if mtime is None:
            continue
        assert content(fresh.root / path) == data, f"{path} holds the wrong data"
        if path in fresh.state and fresh.state[path][1] == mtime:
            assert int((fresh.root / path).stat().st_mtime) == mtime, f"{path} was touched"


def test_fresh_generations_keep_their_mtimes(fresh):
    check_ran(fresh)
    for path in fresh.rotated:
        for name, (_, mtime) in fresh.after.items():
            if name.startswith(f"{path}.") and name.removeprefix(f"{path}.")[:1].isdigit():
                got = int((fresh.root / name).stat().st_mtime)
                assert got == mtime, f"{name}: mtime {got}, expected {mtime}"


def test_second_run_changes_nothing(tmp_path):
    case = Fresh(tmp_path / "logs", PARAMS["seed"] * 7919 + 14)
    first = run_rotate(case.root)
    assert first.returncode == 0, first.stderr[-500:]
    assert files_under(case.root) == sorted(case.after), "the first run went wrong"

    def snapshot():
        return {
            path: (
                sha((case.root / path).read_bytes()),
                (case.root / path).stat().st_mtime_ns,
                (case.root / path).stat().st_ino,
            )
            for path in files_under(case.root)
        }

    before = snapshot()
    again = run_rotate(case.root)
    assert again.returncode == 0, again.stderr[-500:]
    assert snapshot() == before
