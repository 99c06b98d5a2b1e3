"""Terminal benchmark: ready shell, command round trip, verification, episodes/min per sandbox.

For each sandbox (``bwrap`` and ``docker``), measured in-process:

1. ready shell: a new sandbox started until its shell answers (p50);
2. round trip: one ``run`` of ``true`` through ``TerminalEnv.step`` (p50), and the
   baseline measured in the same run that a persistent shell avoids: a new process
   per command (``docker exec`` into the running container; a new ``bwrap`` namespace);
3. verification: the ``submit`` step after the oracle on ``terminal/latency-report``
   (process snapshot, kill, copy tests in, pytest, parse) (p50);
4. episodes/min: 4 sessions at once, each playing oracle episodes back to back.

And an imported Harbor task run as Harbor runs it (``--harbor-task``; default: the
``stock-report`` folder the tests use), beside the built-in task in the same run:
its image built cold (the task's own layers; the stand-in base already there) and cached,
and episode start (a reset: image check, container, shell) p50 against the built-in
task's in the docker sandbox.

Targets (printed as pass/fail, never asserted): ready shell p50 < 100 ms (bwrap) and
< 400 ms (docker); round trip p50 < 20 ms.

Run::

    python benchmarks/terminal.py                 # both sandboxes (~1 minute)
    python benchmarks/terminal.py --quick         # small counts, smoke test
    python benchmarks/terminal.py --sandbox bwrap --json out.json
    python benchmarks/terminal.py --harbor-task path/to/harbor/task   # a real one
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import episodes_per_minute, oracle_episode, percentile_ms, timed

from skillgym.envs.terminal import TerminalEnv
from skillgym.envs.terminal.bwrap import BWRAP
from skillgym.envs.terminal.docker_sandbox import DockerSandbox
from skillgym.envs.terminal.sandbox import SandboxSpec, sandbox_class

TASK = "terminal/latency-report"
HARBOR_FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "envs"
    / "terminal"
    / "harbor_dataset"
    / "stock-report"
)
TARGET_READY_MS = {"bwrap": 100.0, "docker": 400.0}
TARGET_ROUND_TRIP_MS = 20.0
RUN_TRUE = json.dumps({"tool": "run", "args": {"command": "true"}})


def ready_times(kind: str, count: int) -> list[float]:
    """Start-to-answering times of ``count`` new sandboxes."""
    times = []
    for _ in range(count):
        box = sandbox_class(kind)(SandboxSpec())
        times.append(timed(box.start))
        box.close()
    return times


def round_trips(kind: str, count: int) -> tuple[list[float], list[float]]:
    """``run true`` through the env, and the per-command-process baseline, ``count`` each."""
    env = TerminalEnv(sandbox=kind)
    ours = []
    while len(ours) < count:  # new episodes before the task's step limit ends one
        env.reset(seed=0, options={"task": TASK})
        ours += [timed(lambda: env.step(RUN_TRUE)) for _ in range(min(20, count - len(ours)))]
    sandbox = env._sandbox
    if isinstance(sandbox, DockerSandbox):
        assert sandbox.container is not None
        command = ["docker", "exec", "-u", "1000", sandbox.container, "true"]
    else:
        command = [BWRAP, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
                   "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                   "--symlink", "usr/lib64", "/lib64", "/bin/true"]  # fmt: skip
    baseline = [timed(lambda: subprocess.run(command, check=True)) for _ in range(count)]
    env.close()
    return ours, baseline


def verification_times(kind: str, count: int) -> list[float]:
    """Verification (submit step) times of ``count`` oracle episodes."""
    env = TerminalEnv(sandbox=kind)
    try:
        return [oracle_episode(env, TASK, seed) for seed in range(count)]
    finally:
        env.close()


def measure(kind: str, quick: bool) -> dict[str, Any]:
    """Every figure of one sandbox."""
    n = 5 if quick else 30
    ours, baseline = round_trips(kind, n * 2)
    row = {
        "sandbox": kind,
        "ready_p50_ms": percentile_ms(ready_times(kind, n), 0.5),
        "round_trip_p50_ms": percentile_ms(ours, 0.5),
        "process_per_command_p50_ms": percentile_ms(baseline, 0.5),
        "verification_p50_ms": percentile_ms(verification_times(kind, 3 if quick else 10), 0.5),
        "episodes_per_min_4": episodes_per_minute(
            4,
            1 if quick else 5,
            lambda: TerminalEnv(sandbox=kind),
            lambda env, seed: oracle_episode(env, TASK, seed),
        ),
    }
    row["round_trip_x_faster"] = row["process_per_command_p50_ms"] / row["round_trip_p50_ms"]
    return row


def reset_times(env: TerminalEnv, task: str, count: int) -> list[float]:
    """Episode start (``reset``) times of ``task``, each episode closed after."""
    times = []
    for seed in range(count):
        times.append(timed(lambda seed=seed: env.reset(seed=seed, options={"task": task})))
        env.end_episode()
    return times


def measure_harbor(source: Path, quick: bool) -> dict[str, Any]:
    """An imported Harbor task beside the built-in one: image builds and episode start."""
    from skillgym.envs.core.tasks import TaskCatalog
    from skillgym.envs.terminal.harbor import import_harbor_task
    from skillgym.envs.terminal.harbor.episode import HARBOR_DIR, harbor_spec
    from skillgym.envs.terminal.harbor.harness import Harness
    from skillgym.envs.terminal.harbor.images import task_image
    from skillgym.envs.terminal.task_files import load_terminal_task

    with tempfile.TemporaryDirectory(prefix="skillgym-bench-") as folder:
        imported = import_harbor_task(source, Path(folder))
        catalog = TaskCatalog.load(Path(folder))
        task = load_terminal_task(catalog.resolve(imported.task_id))
        spec = harbor_spec(task)
        harness = Harness(spec.uv, tuple(spec.pythons))
        environment = task.folder / HARBOR_DIR / "environment"
        name = imported.task_id.rsplit("/", 1)[-1]
        first = task_image(environment, name, harness)  # the stand-ins, if missing
        subprocess.run(["docker", "rmi", "-f", first.tag], capture_output=True, check=False)
        cold = task_image(environment, name, harness)
        cached = task_image(environment, name, harness)
        n = 3 if quick else 10
        env = TerminalEnv(sandbox="docker", catalog=catalog)
        builtin = TerminalEnv(sandbox="docker")
        try:
            ours = reset_times(env, imported.task_id, n)
            baseline = reset_times(builtin, TASK, n)
            oracle = oracle_episode(env, imported.task_id, 0)
        finally:
            env.close()
            builtin.close()
    return {
        "task": imported.task_id,
        "first_build_s": first.seconds,
        "cold_build_s": cold.seconds,
        "cached_build_s": cached.seconds,
        "start_p50_ms": percentile_ms(ours, 0.5),
        "builtin_start_p50_ms": percentile_ms(baseline, 0.5),
        "start_x_builtin": percentile_ms(ours, 0.5) / percentile_ms(baseline, 0.5),
        "verification_ms": oracle * 1000,
    }


def report_harbor(row: dict[str, Any]) -> None:
    """Print the imported task's figures beside the built-in task's."""
    print(
        f"\nimported {row['task']} (docker, as Harbor runs it): image cold {row['cold_build_s']:.1f} s "
        f"(first call {row['first_build_s']:.1f} s), cached {row['cached_build_s'] * 1000:.0f} ms; "
        f"episode start p50 {row['start_p50_ms']:.0f} ms vs {row['builtin_start_p50_ms']:.0f} ms "
        f"for {TASK} (x{row['start_x_builtin']:.2f}); verification {row['verification_ms']:.0f} ms"
    )


def report(rows: list[dict[str, Any]]) -> None:
    """Print the figures with their targets."""
    print(f"{'sandbox':<8} {'ready p50':>10} {'run p50':>9} {'new process':>12} {'x':>6} "
          f"{'verify p50':>11} {'episodes/min (4)':>17}")  # fmt: skip
    for r in rows:
        print(
            f"{r['sandbox']:<8} {r['ready_p50_ms']:>8.1f}ms {r['round_trip_p50_ms']:>7.2f}ms "
            f"{r['process_per_command_p50_ms']:>10.1f}ms {r['round_trip_x_faster']:>6.1f} "
            f"{r['verification_p50_ms']:>9.1f}ms {r['episodes_per_min_4']:>17.0f}"
        )
    print()
    for r in rows:
        ready_ok = r["ready_p50_ms"] < TARGET_READY_MS[r["sandbox"]]
        trip_ok = r["round_trip_p50_ms"] < TARGET_ROUND_TRIP_MS
        print(f"{r['sandbox']}: ready shell p50 < {TARGET_READY_MS[r['sandbox']]:.0f} ms "
              f"{'PASS' if ready_ok else 'FAIL'}; round trip p50 < {TARGET_ROUND_TRIP_MS:.0f} ms "
              f"{'PASS' if trip_ok else 'FAIL'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke test)")
    parser.add_argument("--sandbox", choices=["bwrap", "docker"], action="append")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument(
        "--harbor-task", type=Path, default=HARBOR_FIXTURE, help="a Harbor task folder to import"
    )
    args = parser.parse_args(argv)
    kinds = args.sandbox or ["bwrap", "docker"]
    rows = [measure(kind, args.quick) for kind in kinds]
    report(rows)
    harbor = measure_harbor(args.harbor_task, args.quick) if "docker" in kinds else None
    if harbor is not None:
        report_harbor(harbor)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "harbor": harbor}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
