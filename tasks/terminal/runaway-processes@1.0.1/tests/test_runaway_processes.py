import json
import re
from pathlib import Path

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]
APP = EXPECTED["app"]
PROCESSES = json.loads(Path("/verifier/processes.json").read_text())
ALIVE = [p for p in PROCESSES if p["state"] not in ("Z", "X")]


def named(pattern):
    """Processes (not zombies) whose command name or argv[0]'s file name matches ``pattern``."""
    rx = re.compile(pattern)
    found = []
    for p in ALIVE:
        words = p["cmdline"].split()
        names = {p["comm"]} | {Path(w).name for w in words[:2]}
        if any(rx.fullmatch(n) for n in names):
            found.append(p)
    return found


def show(processes):
    return [f"{p['pid']} {p['comm']} [{p['state']}] {p['cmdline'][:80]}" for p in processes]


def test_the_spawner_is_gone():
    left = named(rf"{APP}-spawner")
    assert not left, f"still there: {show(left)}"


def test_no_worker_is_left():
    left = named(rf"{APP}-worker(-\d+)?")
    assert not left, f"still there: {show(left)}"


def test_no_chunk_renderer_is_left():
    left = named(rf"{APP}-chunk(-\d+)?")
    assert not left, f"still there: {show(left)}"


def test_the_services_were_left_alone():
    assert not named(rf"{APP}-(spawner|worker(-\d+)?|chunk(-\d+)?)"), "the runaway tree is still up"
    for name, log in EXPECTED["services"].items():
        running = [p for p in ALIVE if p["comm"] == name]
        assert len(running) == 1, f"{name}: {len(running)} running, expects 1: {show(running)}"
        assert running[0]["state"] != "T", f"{name} is stopped"
        text = (WORKSPACE / log).read_text()
        first = re.search(r"^started pid=(\d+)$", text, re.M)
        assert first, f"{log} lost its first line"
        assert int(first.group(1)) == running[0]["pid"], f"{name} was restarted"


def test_killed_list_names_every_runaway_process():
    path = WORKSPACE / "killed.txt"
    assert path.is_file(), "killed.txt was not written"
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    bad = [r for r in rows if len(r) != 2 or not r[0].isdigit()]
    assert not bad, f"lines that are not `PID COMMAND`: {bad[:5]}"
    pids = [int(r[0]) for r in rows]
    assert len(pids) == len(set(pids)), "a PID is listed twice"
    names = {r[1] for r in rows}
    assert names == set(EXPECTED["runaway"]), (
        f"missing {sorted(set(EXPECTED['runaway']) - names)}, "
        f"not part of the runaway tree {sorted(names - set(EXPECTED['runaway']))}"
    )
