"""Flight benchmark: reset, step, verification, memory per episode, throughput; MiniWoB++ beside it.

Measured in one run, on ``flight/cheapest-nonstop``:

1. reset: ``FlightEnv.reset`` until the home page is read: a new browser context, a
   fresh per-episode database generated from the seed, the site's first page (p50);
2. step: a click (a radio button of the search form) and the new observation (p50);
   and a step that loads a new page (``goto``), for reference;
3. verification: the ``submit`` step after the oracle's booking (p50);
4. memory: the PSS of this process and its Chromium processes with 8 episodes open
   against 1, per extra episode;
5. episodes/min: 4 sessions at once, each playing oracle episodes back to back;
6. 8 concurrent sessions over HTTP on one ``skillgym serve``: errors and successes;
7. the closest peer, in the same run: MiniWoB++'s ``book-flight`` (Selenium + Debian's
   chromium-driver), its reset and click-element step (``miniwob_peer.py``), and our
   figures as ratios of theirs.

Targets (printed as pass/fail, never asserted): step p50 no slower than MiniWoB's;
reset p50 < 300 ms; at most 80 MB PSS per extra episode; 8 concurrent sessions without
errors.

Run::

    python benchmarks/flight.py            # ~2 minutes
    python benchmarks/flight.py --quick    # small counts, smoke test
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import episodes_per_minute, oracle_episode, percentile_ms, timed
from miniwob_peer import measure_miniwob
from processes import chromium_processes
from protocol import skillgym_server

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.flight import FlightEnv

TASK = "flight/cheapest-nonstop"
TARGET_RESET_MS = 300.0
TARGET_MB_PER_EPISODE = 80.0


def action(tool: str, **args: Any) -> str:
    """One tool call as JSON."""
    return json.dumps({"tool": tool, "args": args})


def reset_times(env: FlightEnv, count: int) -> list[float]:
    """``count`` resets, each after a few steps (as in training: the spare context is warm)."""
    times = []
    for seed in range(count):
        times.append(timed(lambda s=seed: env.reset(seed=s)))
        env.step(action("click", id="cookie-accept"))
        env.step(action("wait", ms=300))
    return times


def step_times(env: FlightEnv, count: int) -> tuple[list[float], list[float]]:
    """Click steps (radio buttons) and page-loading steps (``goto``)."""
    env.reset(seed=0)
    env.step(action("click", id="cookie-accept"))
    clicks = [
        timed(lambda i=i: env.step(action("click", id=("trip-oneway", "trip-return")[i % 2])))
        for i in range(count)
    ]
    loads = [
        timed(lambda i=i: env.step(action("goto", path=("/manage", "/")[i % 2])))
        for i in range(max(4, count // 4))
    ]
    return clicks, loads


def pss_mb(pids: list[int]) -> float:
    """Proportional set size of ``pids`` together, in MB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def memory_per_episode(count: int = 8) -> tuple[float, float, float]:
    """(PSS with 1 episode, PSS with ``count``, MB per extra episode)."""
    import os

    envs = [FlightEnv(task=TASK) for _ in range(count)]
    try:
        envs[0].reset(seed=0)
        time.sleep(1.0)
        one = pss_mb([os.getpid(), *chromium_processes()])
        for i, env in enumerate(envs[1:], start=1):
            env.reset(seed=i)
            env.step(action("click", id="cookie-accept"))
        time.sleep(1.0)
        many = pss_mb([os.getpid(), *chromium_processes()])
    finally:
        for env in envs:
            env.close()
    return one, many, (many - one) / (count - 1)


def concurrent_over_http(sessions: int) -> dict[str, int]:
    """``sessions`` oracle episodes at once over HTTP on one server: how many succeeded."""
    outcome = {"sessions": sessions, "succeeded": 0, "errors": 0}
    lock = threading.Lock()
    with (
        tempfile.TemporaryDirectory() as folder,
        skillgym_server(Path(folder) / "server.log") as url,
    ):
        policies = [
            make_policy("oracle", family="flight", task=TASK, seed=s) for s in range(sessions)
        ]

        def worker(seed: int) -> None:
            try:
                with RemoteEnv(url, env="flight", timeout=120) as env:
                    result = run_episode(env, policies[seed], task=TASK, seed=seed)
                key = "succeeded" if result.success else "errors"
            except Exception:
                key = "errors"
            with lock:
                outcome[key] += 1

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return outcome


def measure(quick: bool) -> dict[str, Any]:
    """Every figure, ours and MiniWoB's."""
    n = 5 if quick else 30
    env = FlightEnv(task=TASK)
    try:
        env.reset(seed=0)  # launches the browser: not part of any figure
        resets = reset_times(env, n)
        clicks, loads = step_times(env, n * 2)
        verifications = [oracle_episode(env, TASK, seed) for seed in range(2 if quick else 8)]
    finally:
        env.close()
    one, many, per_episode = memory_per_episode(4 if quick else 8)
    row: dict[str, Any] = {
        "reset_p50_ms": percentile_ms(resets, 0.5),
        "reset_p90_ms": percentile_ms(resets, 0.9),
        "step_p50_ms": percentile_ms(clicks, 0.5),
        "step_p90_ms": percentile_ms(clicks, 0.9),
        "page_load_step_p50_ms": percentile_ms(loads, 0.5),
        "verification_p50_ms": percentile_ms(verifications, 0.5),
        "pss_one_episode_mb": one,
        "pss_many_episodes_mb": many,
        "mb_per_extra_episode": per_episode,
        "episodes_per_min_4": episodes_per_minute(
            4,
            1 if quick else 4,
            lambda: FlightEnv(task=TASK),
            lambda env, seed: oracle_episode(env, TASK, seed),
        ),
        "http_concurrent": concurrent_over_http(4 if quick else 8),
    }
    try:
        peer = measure_miniwob(episodes=5 if quick else 20, steps=10 if quick else 30)
        row["miniwob"] = peer
        row["step_vs_miniwob"] = row["step_p50_ms"] / float(peer["step_p50_ms"])
        row["reset_vs_miniwob"] = row["reset_p50_ms"] / float(peer["reset_p50_ms"])
    except RuntimeError as exc:
        row["miniwob"] = {"error": str(exc)}
    return row


def report(row: dict[str, Any]) -> None:
    """Print the figures side by side with MiniWoB++'s and the targets."""
    peer = row["miniwob"]
    print(f"{'':<28} {'SkillGym flight':>16} {'MiniWoB book-flight':>20} {'ours/theirs':>12}")
    for label, ours, theirs in (
        ("reset p50 (ms)", "reset_p50_ms", "reset_p50_ms"),
        ("step p50 (ms)", "step_p50_ms", "step_p50_ms"),
        ("step p90 (ms)", "step_p90_ms", "step_p90_ms"),
    ):
        other = peer.get(theirs)
        ratio = f"{row[ours] / float(other):.2f}" if other else "-"
        shown = f"{float(other):.1f}" if other else "-"
        print(f"{label:<28} {row[ours]:>16.1f} {shown:>20} {ratio:>12}")
    print(f"{'page-loading step p50 (ms)':<28} {row['page_load_step_p50_ms']:>16.1f}")
    print(f"{'verification p50 (ms)':<28} {row['verification_p50_ms']:>16.1f}")
    print(f"{'PSS per extra episode (MB)':<28} {row['mb_per_extra_episode']:>16.1f}"
          f"   ({row['pss_one_episode_mb']:.0f} MB with 1, {row['pss_many_episodes_mb']:.0f} MB with more)")  # fmt: skip
    print(f"{'episodes/min, 4 sessions':<28} {row['episodes_per_min_4']:>16.1f}")
    http = row["http_concurrent"]
    print(
        f"{'concurrent HTTP sessions':<28} {http['succeeded']:>13}/{http['sessions']} succeeded, {http['errors']} errors"
    )
    if "error" in peer:
        print(f"MiniWoB++ could not run: {peer['error']}")
    print()
    step_ok = "step_vs_miniwob" in row and row["step_vs_miniwob"] <= 1.0
    checks = [
        ("step p50 no slower than MiniWoB's", step_ok),
        (f"reset p50 < {TARGET_RESET_MS:.0f} ms", row["reset_p50_ms"] < TARGET_RESET_MS),
        (f"PSS per extra episode <= {TARGET_MB_PER_EPISODE:.0f} MB", row["mb_per_extra_episode"] <= TARGET_MB_PER_EPISODE),
        (f"{http['sessions']} concurrent sessions without errors", http["errors"] == 0),
    ]  # fmt: skip
    for label, ok in checks:
        print(f"{label}: {'PASS' if ok else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke test)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    row = measure(args.quick)
    report(row)
    if args.json:
        args.json.write_text(json.dumps(row, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
