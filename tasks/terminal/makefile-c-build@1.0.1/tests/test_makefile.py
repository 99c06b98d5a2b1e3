import json
import math
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
VARIABLES = PARAMS["variables"]
EXPECTED = PARAMS["expected"]
BINARY = f"bin/{VARIABLES['binary']}"
SAMPLE = f"samples/{VARIABLES['sample_name']}"
OBJECTS = EXPECTED["objects"]


def copy_project(tmp_path):
    """A copy of the workspace without build products, to build and touch freely."""
    assert (WORKSPACE / "Makefile").is_file(), "no /workspace/Makefile"
    root = tmp_path / "project"
    shutil.copytree(
        WORKSPACE,
        root,
        symlinks=True,
        ignore=lambda folder, names: [
            n for n in names if n in ("build", "bin") or n.endswith((".o", ".d"))
        ],
    )
    return root


def make(root, *args):
    return subprocess.run(["make", *args], cwd=root, capture_output=True, text=True, timeout=120)


def build(root):
    done = make(root)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    return root


def object_times(root):
    return {name: (root / "build" / f"{name}.o").stat().st_mtime_ns for name in OBJECTS}


def pin(root):
    """Old timestamps: sources < objects < binary, so later touches are unambiguous."""
    t0 = time.time() - 100_000
    for path in [root, *root.rglob("*")]:
        top = path.relative_to(root).parts[:1]
        stamp = t0 + {("build",): 100, ("bin",): 200}.get(tuple(top), 0)
        os.utime(path, (stamp, stamp), follow_symlinks=False)
    return t0


def rebuilt_after_touching(root, path):
    """Touch one file of a pinned tree, run make; which objects were recompiled."""
    t0 = pin(root)
    assert make(root, "-q", BINARY).returncode == 0, (
        "make -q: a pinned, built tree is not up to date"
    )
    os.utime(root / path, (t0 + 300, t0 + 300))
    assert make(root, "-q", BINARY).returncode != 0, f"make -q does not see that {path} changed"
    build(root)
    limit = (t0 + 300) * 1e9
    rebuilt = sorted(n for n, t in object_times(root).items() if t > limit)
    relinked = (root / BINARY).stat().st_mtime_ns > limit
    return rebuilt, relinked


def stats_report(values):
    decimals, sample = EXPECTED["decimals"], EXPECTED["sample_stddev"]
    total = 0.0
    for value in values:
        total += value
    n = len(values)
    mean = total / n
    ordered = sorted(values)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0
    squares = 0.0
    for value in values:
        squares += (value - mean) * (value - mean)
    stddev = math.sqrt(squares / (n - 1 if sample else n))
    lines = [f"count {n}"]
    for label, number in [
        ("min", min(values)),
        ("max", max(values)),
        ("mean", mean),
        ("median", median),
        ("stddev", stddev),
    ]:
        lines.append(f"{label} {number:.{decimals}f}")
    return "\n".join(lines) + "\n"


def test_make_builds_the_binary_from_objects_in_build(tmp_path):
    root = build(copy_project(tmp_path))
    assert (root / BINARY).is_file() and os.access(root / BINARY, os.X_OK), f"no {BINARY}"
    for name in OBJECTS:
        assert (root / "build" / f"{name}.o").is_file(), f"build/{name}.o is missing"
    stray = [str(p.relative_to(root)) for p in root.rglob("*.o") if p.parent != root / "build"]
    assert not stray, f"object files outside build/: {stray}"
    done = subprocess.run(
        [str(root / BINARY), f"{SAMPLE}.txt"], cwd=root, capture_output=True, text=True, timeout=30
    )
    assert done.stdout == (root / f"{SAMPLE}.expected").read_text()


def test_compiles_with_wall_and_o2(tmp_path):
    root = copy_project(tmp_path)
    done = make(root, "-B", "-n", BINARY)
    assert done.returncode == 0, done.stderr[-1500:]
    compiles = [line.split() for line in done.stdout.splitlines() if " -c " in f" {line} "]
    assert len(compiles) >= len(OBJECTS), f"expected {len(OBJECTS)} compile commands: {done.stdout}"
    for words in compiles:
        assert "-Wall" in words and "-O2" in words, " ".join(words)


def test_a_second_make_does_nothing(tmp_path):
    root = build(copy_project(tmp_path))
    assert make(root, "-q", BINARY).returncode == 0, "make -q: not up to date right after make"
    before = object_times(root)
    binary = (root / BINARY).stat().st_mtime_ns
    build(root)
    assert object_times(root) == before, "make recompiled objects with nothing changed"
    assert (root / BINARY).stat().st_mtime_ns == binary, "make relinked with nothing changed"


def test_touching_a_header_rebuilds_its_dependents(tmp_path):
    root = build(copy_project(tmp_path))
    for header, dependents in EXPECTED["headers"].items():
        rebuilt, relinked = rebuilt_after_touching(root, f"include/{header}")
        missing = sorted(set(dependents) - set(rebuilt))
        assert not missing, f"after touching {header}, not recompiled: {missing}"
        assert relinked, f"after touching {header}, the binary was not relinked"
        assert make(root, "-q", BINARY).returncode == 0


def test_touching_a_header_rebuilds_nothing_else(tmp_path):
    root = build(copy_project(tmp_path))
    for header, dependents in EXPECTED["headers"].items():
        rebuilt, _ = rebuilt_after_touching(root, f"include/{header}")
        extra = sorted(set(rebuilt) - set(dependents))
        assert not extra, f"after touching {header}, needlessly recompiled: {extra}"


def test_touching_a_source_rebuilds_only_its_object(tmp_path):
    root = build(copy_project(tmp_path))
    for name in random.Random(PARAMS["seed"]).sample(OBJECTS, 2):
        rebuilt, relinked = rebuilt_after_touching(root, f"src/{name}.c")
        assert rebuilt == [name], f"after touching src/{name}.c, recompiled: {rebuilt}"
        assert relinked


def test_make_test_passes_and_catches_a_difference(tmp_path):
    root = copy_project(tmp_path)
    done = make(root, "test")
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    assert (root / BINARY).is_file(), "make test did not build the binary"
    expected = root / f"{SAMPLE}.expected"
    expected.write_text(expected.read_text().replace("count ", "count 1", 1))
    assert make(root, "test").returncode != 0, "make test passed against a wrong expected output"
    expected.write_text(expected.read_text().replace("count 1", "count ", 1) + "extra 1\n")
    assert make(root, "test").returncode != 0, "make test passed with an extra expected line"


def test_make_clean_removes_products_and_keeps_sources(tmp_path):
    root = build(copy_project(tmp_path))
    done = make(root, "clean")
    assert done.returncode == 0, done.stderr[-1500:]
    assert not (root / BINARY).exists(), "the binary survived make clean"
    assert not list(root.rglob("*.o")), "object files survived make clean"
    assert (root / "src" / "main.c").is_file() and list((root / "include").glob("*.h"))
    build(root)
    assert (root / BINARY).is_file()


def test_the_built_binary_on_fresh_numbers(tmp_path):
    rng = random.Random(PARAMS["seed"] + 7)
    values = [round(rng.uniform(-1000, 1000), rng.choice([0, 1, 2, 3])) for _ in range(101)]
    lines = ["# fresh data"] + [f" {v} " if i % 7 == 0 else f"{v}" for i, v in enumerate(values)]
    lines.insert(20, "")
    data = tmp_path / "fresh.txt"
    data.write_text("\n".join(lines) + "\n")
    binary = WORKSPACE / BINARY
    assert binary.is_file(), f"/workspace/{BINARY} was not built"
    done = subprocess.run([str(binary), str(data)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == stats_report(values)
