"""Replicas in containers, per family, beside the same work in-process, measured in one run.

For each family's image (``skillgym images build``):

1. start: a container launched to its first answer to ``/healthz`` (p50 of ``--starts``),
   beside a ``local`` replica process started the same way;
2. memory: a replica's memory (its cgroup's usage less the page cache it may drop) after
   it played one oracle episode;
3. capacity: how many sessions one replica (1 CPU, the provider's default) holds before
   the p50 latency of a step is twice what it is with one session. Each session steps as
   a policy does, with ``--think-ms`` between steps (a model's turn), and the sessions
   double from 1 up to ``--max-sessions``; the step is a typical look at the family's world;
4. overhead: one oracle episode through the container over HTTP against the same episode
   of an environment in this process (p50 of ``--episodes``): the ratio is what running in
   a container, behind HTTP, costs;
5. terminal sandboxes (with the terminal family): an episode's start (a reset and a first
   ``run`` step) in bubblewrap inside a replica container, over HTTP, beside the two other
   ways a replica could sandbox an episode: a sibling container per episode (the ``docker``
   sandbox, here from the host) and bubblewrap on the host (the baseline);
6. relay: steps/s of ``--relay-sessions`` arithmetic sessions stepping as fast as they can
   through a hub that serves them from a docker replica, against the same sessions on
   that replica directly: what one hub process can relay.

    python benchmarks/replicas.py                         # every family
    python benchmarks/replicas.py --families terminal --json out.json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillgym.clients import RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.core.registry import env_class
from skillgym.hub_server.replicas.docker import DockerProvider
from skillgym.hub_server.replicas.local import LocalProvider

FAMILIES = ("arithmetic", "flight", "spreadsheet", "terminal")
TASKS = {
    "arithmetic": "arithmetic/sum-list",
    "flight": "flight/cheapest-nonstop",
    "spreadsheet": "spreadsheet/loan-amortization",
    "terminal": "terminal/latency-report",
}
STEPS = {
    "arithmetic": {"tool": "calculate", "args": {"expression": "round(3 * 2.45 * 1.08, 2)"}},
    "flight": {"tool": "scroll", "args": {"direction": "down"}},
    "spreadsheet": {"tool": "read_range", "args": {"range": "Schedule!A1:G20"}},
    "terminal": {"tool": "run", "args": {"command": "ls -l /workspace"}},
}
"""The step each capacity round repeats: the family's typical look at its world."""


@dataclass
class FamilyFigures:
    """What the benchmark measured of one family."""

    family: str
    start_p50_s: float = 0.0
    process_start_p50_s: float = 0.0
    memory_mb: float = 0.0
    step_p50_ms_by_sessions: dict[int, float] = field(default_factory=dict)
    sessions_before_2x: int = 0
    episode_in_process_s: float = 0.0
    episode_in_container_s: float = 0.0

    @property
    def overhead(self) -> float:
        """The container's episode time over the in-process one."""
        return self.episode_in_container_s / self.episode_in_process_s


def measure_starts(provider, family: str, count: int) -> float:
    """p50 seconds from launch to healthy."""
    times = []
    for _ in range(count):
        replica = provider.launch(family)
        times.append(replica.ready_s)
        provider.remove(replica)
    return statistics.median(times)


def play_in_process(family: str, seed: int) -> float:
    task = TASKS[family]
    env = env_class(family)()
    try:
        started = time.perf_counter()
        result = run_episode(
            env, make_policy("oracle", family=family, task=task, seed=seed), task=task, seed=seed
        )
        elapsed = time.perf_counter() - started
    finally:
        env.close()
    assert result.reward == 1.0, f"{family}: the oracle scored {result.reward} in-process"
    return elapsed


def play_remote(url: str, family: str, seed: int) -> float:
    task = TASKS[family]
    with RemoteEnv(url, env=family) as env:
        started = time.perf_counter()
        result = run_episode(
            env, make_policy("oracle", family=family, task=task, seed=seed), task=task, seed=seed
        )
        elapsed = time.perf_counter() - started
    assert result.reward == 1.0, f"{family}: the oracle scored {result.reward} in a container"
    return elapsed


def memory_mb(container) -> float:
    """The container's memory less what the kernel may drop (cgroup v2 and v1 names)."""
    stats = container.stats(stream=False)["memory_stats"]
    detail = stats.get("stats", {})
    cache = detail.get("inactive_file", detail.get("total_inactive_file", 0))
    return (stats.get("usage", 0) - cache) / 2**20


def on_sessions(
    url: str, family: str, sessions: int, work: Callable[[int, RemoteEnv], None]
) -> None:
    """Open and reset ``sessions`` sessions on ``url``; run ``work(i, env)`` on a thread each."""
    envs = [RemoteEnv(url, env=family) for _ in range(sessions)]
    errors: list[BaseException] = []
    try:
        for i, env in enumerate(envs):
            env.reset(seed=i, options={"task": TASKS[family]})

        def run(i: int) -> None:
            try:
                work(i, envs[i])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for env in envs:
            env.close()
    if errors:
        raise RuntimeError(f"{family} with {sessions} sessions: {errors[0]!r}")


def step(env: RemoteEnv, family: str, seed: int) -> None:
    """The family's typical step; at the task's turn limit, the next episode."""
    *_, terminated, truncated, _ = env.step(json.dumps(STEPS[family]))
    if terminated or truncated:
        env.reset(seed=seed, options={"task": TASKS[family]})


def step_p50_ms(url: str, family: str, sessions: int, steps: int, think_s: float) -> float:
    """p50 step latency with ``sessions`` sessions stepping on one replica, ``think_s`` apart."""
    latencies: list[float] = []
    barrier = threading.Barrier(sessions)

    def paced(i: int, env: RemoteEnv) -> None:
        barrier.wait()
        time.sleep(random.uniform(0, think_s))  # policies do not act in lockstep
        for n in range(steps):
            started = time.perf_counter()
            step(env, family, seed=n)
            latencies.append(time.perf_counter() - started)
            time.sleep(think_s)

    on_sessions(url, family, sessions, paced)
    return statistics.median(latencies) * 1000


def steps_per_s(url: str, sessions: int, seconds: float) -> float:
    """Steps per second of ``sessions`` arithmetic sessions stepping flat out on ``url``."""
    counts = [0] * sessions
    window: dict[str, float] = {}
    # the clock starts when every session is open and reset
    barrier = threading.Barrier(
        sessions, action=lambda: window.setdefault("stop", time.perf_counter() + seconds)
    )

    def flat_out(i: int, env: RemoteEnv) -> None:
        barrier.wait()
        while time.perf_counter() < window["stop"]:
            step(env, "arithmetic", seed=counts[i])
            counts[i] += 1

    on_sessions(url, "arithmetic", sessions, flat_out)
    return sum(counts) / seconds


def episode_start_s(make_env: Callable[[], object], count: int) -> float:
    """p50 seconds of a terminal episode's reset and first ``run`` step."""
    times = []
    for seed in range(count):
        env: Any = make_env()
        try:
            started = time.perf_counter()
            env.reset(seed=seed, options={"task": TASKS["terminal"]})
            env.step(json.dumps({"tool": "run", "args": {"command": "true"}}))
            times.append(time.perf_counter() - started)
        finally:
            env.close()
    return statistics.median(times)


def measure_sandboxes(count: int, docker: DockerProvider) -> dict[str, float]:
    """A terminal episode's start: bwrap in a replica, a container per episode, bwrap on the host."""
    terminal = env_class("terminal")
    replica = docker.launch("terminal")
    try:
        in_replica = episode_start_s(lambda: RemoteEnv(replica.url, env="terminal"), count)
    finally:
        docker.remove(replica)
    figures = {
        "bwrap_in_replica_s": in_replica,
        "container_per_episode_s": episode_start_s(lambda: terminal(sandbox="docker"), count),
        "bwrap_on_host_s": episode_start_s(lambda: terminal(sandbox="bwrap"), count),
    }
    print(f"terminal sandboxes: {figures}", file=sys.stderr)
    return figures


def measure_relay(sessions: int, seconds: float) -> dict[str, float]:
    """Steps/s on a docker replica directly, and through a hub relaying to it."""
    from skillgym.hub_server.runner import BackgroundServer
    from skillgym.hub_server.settings import ServerSettings

    settings = ServerSettings(
        port=0,
        database_url="none",
        families=["arithmetic"],
        replica_provider="docker",
        replicas_per_family=1,
    )
    with BackgroundServer(settings) as hub:
        (replica,) = hub.app.state.replicas.pool.all()
        direct = steps_per_s(replica.url, sessions, seconds)
        relayed = steps_per_s(hub.base_url, sessions, seconds)
    print(f"relay: {relayed:.0f} steps/s through a hub, {direct:.0f} direct", file=sys.stderr)
    return {"sessions": sessions, "direct_steps_per_s": direct, "hub_steps_per_s": relayed}


def measure_family(family: str, args: argparse.Namespace, docker: DockerProvider) -> FamilyFigures:
    figures = FamilyFigures(family)
    local = LocalProvider()
    figures.process_start_p50_s = measure_starts(local, family, args.starts)
    figures.start_p50_s = measure_starts(docker, family, args.starts)
    print(
        f"{family}: start p50 {figures.start_p50_s:.2f} s (process {figures.process_start_p50_s:.2f} s)",
        file=sys.stderr,
    )

    in_process = [play_in_process(family, seed) for seed in range(args.episodes)]
    figures.episode_in_process_s = statistics.median(in_process)
    replica = docker.launch(family)
    try:
        figures.episode_in_container_s = statistics.median(
            play_remote(replica.url, family, seed) for seed in range(args.episodes)
        )
        figures.memory_mb = memory_mb(replica.handle)
        sessions = 1
        while sessions <= args.max_sessions:
            p50 = step_p50_ms(replica.url, family, sessions, args.steps, args.think_ms / 1000)
            figures.step_p50_ms_by_sessions[sessions] = p50
            print(f"{family}: {sessions} sessions, step p50 {p50:.1f} ms", file=sys.stderr)
            base = figures.step_p50_ms_by_sessions[1]
            if p50 > 2 * base:
                break
            figures.sessions_before_2x = sessions
            sessions *= 2
    finally:
        docker.remove(replica)
    return figures


def print_report(rows: list[FamilyFigures], args: argparse.Namespace) -> None:
    print(
        f"\n{'family':<12} {'start p50':>10} {'process':>8} {'memory':>9} {'sessions':>9} "
        f"{'episode in-proc':>16} {'in container':>13} {'x':>6}"
    )
    for r in rows:
        capped = "+" if r.sessions_before_2x == max(r.step_p50_ms_by_sessions) else ""
        print(
            f"{r.family:<12} {r.start_p50_s:>9.2f}s {r.process_start_p50_s:>7.2f}s "
            f"{r.memory_mb:>7.0f}MB {str(r.sessions_before_2x) + capped:>9} "
            f"{r.episode_in_process_s:>15.3f}s {r.episode_in_container_s:>12.3f}s {r.overhead:>6.2f}"
        )
    sandboxes = args.sandboxes
    if sandboxes:
        print(
            "\nterminal episode start (reset + first run, p50): "
            f"bwrap in a replica {sandboxes['bwrap_in_replica_s'] * 1000:.0f} ms (over HTTP), "
            f"a container per episode {sandboxes['container_per_episode_s'] * 1000:.0f} ms, "
            f"bwrap on the host {sandboxes['bwrap_on_host_s'] * 1000:.0f} ms"
        )
    relay = args.relay
    if relay:
        print(
            f"\nrelay ({relay['sessions']} arithmetic sessions flat out, HTTP): "
            f"{relay['hub_steps_per_s']:.0f} steps/s through a hub, "
            f"{relay['direct_steps_per_s']:.0f} on its replica directly "
            f"(x {relay['hub_steps_per_s'] / relay['direct_steps_per_s']:.2f})"
        )
    print(
        f"\nsessions: the most sessions one replica (1 CPU) holds, each stepping "
        f"{args.think_ms:g} ms apart, before a step's p50 latency doubles (doubling up to "
        f"{args.max_sessions}; + = it never doubled); x: the oracle episode in a container "
        "over HTTP / in this process."
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated")
    parser.add_argument("--starts", type=int, default=5, help="launches per family for the p50")
    parser.add_argument("--episodes", type=int, default=3, help="oracle episodes per path")
    parser.add_argument("--max-sessions", type=int, default=64)
    parser.add_argument("--think-ms", type=float, default=100.0, help="a policy's time per turn")
    parser.add_argument("--steps", type=int, default=10, help="steps per session per round")
    parser.add_argument(
        "--quick", action="store_true", help="2 starts, 1 episode, up to 4 sessions"
    )
    parser.add_argument("--relay-sessions", type=int, default=8, help="0: no relay figure")
    parser.add_argument("--relay-seconds", type=float, default=5.0)
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.starts, args.episodes, args.max_sessions, args.steps, args.think_ms = 2, 1, 4, 5, 20
        args.relay_sessions, args.relay_seconds = min(args.relay_sessions, 2), 1.0
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    docker = DockerProvider()
    try:
        rows = [measure_family(family, args, docker) for family in families]
        args.sandboxes = measure_sandboxes(args.starts, docker) if "terminal" in families else None
    finally:
        docker.close()
    args.relay = (
        measure_relay(args.relay_sessions, args.relay_seconds) if args.relay_sessions else None
    )
    print_report(rows, args)
    if args.json:
        report: dict[str, object] = {r.family: {**asdict(r), "overhead": r.overhead} for r in rows}
        report["relay"] = args.relay
        report["terminal_sandboxes"] = args.sandboxes
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
