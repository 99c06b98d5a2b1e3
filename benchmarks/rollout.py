"""Rollout benchmark: episodes per second through ``skillgym rollout``'s machinery.

Measured on ``arithmetic/sum-list`` (the reference family: the env costs microseconds,
so what is left is the rollout's own plumbing and the policy's latency):

1. a policy that takes a fixed 50 ms per call (4 calculator calls, then submit: 5
   calls per episode), at 1, 8, 32 and 128 concurrent episodes, over 2 local
   replicas and 2 env workers on Ray (made once, before timing); the speed-up over
   1 concurrent episode is the figure (target: >= 20x at 32 on 2 cores);
2. the same workload through a plain ``asyncio.gather`` over OpenEnv's client (the
   pattern its docs recommend), against OpenEnv's own server serving the same env
   (``benchmarks/openenv_peer.py``): ours / OpenEnv's episodes per second, each
   concurrency (target: >= 1.0x);
3. 2,000 concurrent sessions held by the async client against one server (reset,
   then 5 steps each, all at once): errors and p99 step latency;
4. the real model (SmolLM2-135M-Instruct in the batching actor), 16 episodes of at
   most 2 turns: generated tokens/s, mean batch, episodes/min.

Run::

    python benchmarks/rollout.py            # everything (~3 minutes on 2 cores)
    python benchmarks/rollout.py --quick    # smaller counts, no model
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from harness import HOST, free_port, percentile_ms, stop_process

from skillgym.clients import AsyncRemoteEnv
from skillgym.clients.rollout import (
    Decision,
    EpisodeContext,
    LocalReplicas,
    RolloutConfig,
    TaskRef,
    WorkerPool,
    rollout,
)

TASK = TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")
DELAY_S = 0.05
CALLS = 5
CALCULATE = json.dumps({"tool": "calculate", "args": {"expression": "1+2"}})
SUBMIT = json.dumps({"tool": "submit", "args": {"answer": "3"}})
CONCURRENCY = (1, 8, 32, 128)
TARGET_SPEEDUP_AT_32 = 20.0


class _SlowAgent:
    def __init__(self) -> None:
        self.calls = 0

    async def act(self, observation: dict[str, str]) -> Decision:
        await asyncio.sleep(DELAY_S)
        self.calls += 1
        return Decision(action=CALCULATE if self.calls < CALLS else SUBMIT)


@dataclass
class FixedLatencyPolicy:
    """Takes ``DELAY_S`` per call, like a remote model; 4 calculator calls, then submit."""

    name: str = "fixed-50ms"
    version: str = "bench"

    def agent(self, context: EpisodeContext) -> _SlowAgent:
        """A fresh counter per episode."""
        return _SlowAgent()


def episodes_for(concurrency: int, quick: bool) -> int:
    """Episodes per measurement: enough for several waves at each concurrency."""
    return max(4 if quick else 8, concurrency * (2 if quick else 4))


def measure_ours(
    urls: dict[str, list[str]], pool: WorkerPool, concurrency: int, quick: bool
) -> float:
    """Episodes per second through rollout() at ``concurrency`` episodes in flight."""
    episodes = episodes_for(concurrency, quick)
    config = RolloutConfig(episodes=episodes, max_in_flight=concurrency, workers=len(pool.actors))
    started = time.perf_counter()
    _, summary = rollout(pool.policy, [TASK], urls, config, pool=pool)
    seconds = time.perf_counter() - started
    bad = {k: v for k, v in summary.statuses.items() if k != "completed"}
    if bad:
        raise RuntimeError(f"rollout at {concurrency}: episodes did not complete: {bad}")
    return episodes / seconds


async def _openenv_episodes(base_url: str, concurrency: int, episodes: int) -> float:
    from openenv.core import GenericEnvClient

    slots = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with slots:
            client = GenericEnvClient(base_url=base_url)
            try:
                await client.connect()
                await client.reset()
                for call in range(1, CALLS + 1):
                    await asyncio.sleep(DELAY_S)
                    await client.step({"action": CALCULATE if call < CALLS else SUBMIT})
            finally:
                await client.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(episodes)))
    return episodes / (time.perf_counter() - started)


def measure_openenv(base_url: str, concurrency: int, quick: bool) -> float:
    """The same workload with OpenEnv's client, one coroutine per episode."""
    return asyncio.run(_openenv_episodes(base_url, concurrency, episodes_for(concurrency, quick)))


async def _hold_sessions(base_url: str, sessions: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        envs = [
            AsyncRemoteEnv(
                base_url,
                env="arithmetic",
                task=TASK.task_id,
                transport="websocket",
                http_session=http,
            )
            for _ in range(sessions)
        ]

        async def play(env: AsyncRemoteEnv) -> None:
            try:
                await env.reset(seed=0)
                for _ in range(CALLS):
                    clock = time.perf_counter()
                    await env.step(CALCULATE)
                    latencies.append(time.perf_counter() - clock)
            except Exception as exc:  # counted and reported
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                await env.close()

        started = time.perf_counter()
        await asyncio.gather(*(play(env) for env in envs))
        seconds = time.perf_counter() - started
    return {
        "sessions": sessions,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "p50_ms": percentile_ms(latencies, 0.50) if latencies else None,
        "p99_ms": percentile_ms(latencies, 0.99) if latencies else None,
        "seconds": seconds,
    }


def measure_model(urls: dict[str, list[str]], episodes: int) -> dict[str, float]:
    """The real model: tokens/s, mean batch and episodes/min over ``episodes`` short episodes."""
    from skillgym.clients.rollout.model_policy import ModelPolicy

    policy = ModelPolicy.named("smollm2", max_tokens=24)
    pool = WorkerPool(policy, workers=2).ready()
    try:
        config = RolloutConfig(
            episodes=episodes, group_size=episodes, max_in_flight=episodes, max_turns=2
        )
        started = time.perf_counter()
        rollout(policy, [TASK], urls, config, pool=pool)
        seconds = time.perf_counter() - started
        stats = policy.stats()
    finally:
        pool.close()
    return {**stats, "episodes": episodes, "episodes_per_min": episodes / seconds * 60}


def main(argv: list[str] | None = None) -> None:
    """Run every measurement and print the figures with their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, no model")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import openenv_peer

    from skillgym.clients.rollout.runner import ensure_ray

    ensure_ray(num_cpus=2, include_dashboard=False)
    report: dict[str, Any] = {"quick": args.quick}
    provider = LocalReplicas(2, extra_args=["--max-sessions", "2500"])
    urls = provider.start(["arithmetic"])
    peer_port = free_port()
    peer = openenv_peer.start_openenv_server(peer_port)
    pool = WorkerPool(FixedLatencyPolicy(), workers=2).ready()
    try:
        print(
            f"SkillGym rollout benchmark: {TASK.task_id}, a policy of {DELAY_S * 1000:.0f} ms "
            f"per call x {CALLS} calls per episode; 2 replicas, 2 env workers (Ray)\n"
        )
        print(
            f"{'concurrent':>10} {'ours ep/s':>10} {'x over 1':>9} {'OpenEnv ep/s':>13} {'ours/OpenEnv':>13}"
        )
        rows = []
        for concurrency in CONCURRENCY[:3] if args.quick else CONCURRENCY:
            ours = statistics.median(
                measure_ours(urls, pool, concurrency, args.quick) for _ in range(2)
            )
            theirs = statistics.median(
                measure_openenv(f"http://{HOST}:{peer_port}", concurrency, args.quick)
                for _ in range(2)
            )
            base = rows[0]["ours"] if rows else ours
            rows.append(
                {
                    "concurrency": concurrency,
                    "ours": ours,
                    "speedup": ours / base,
                    "openenv": theirs,
                    "ratio": ours / theirs,
                }
            )
            r = rows[-1]
            print(
                f"{concurrency:>10} {ours:>10.1f} {r['speedup']:>8.1f}x {theirs:>13.1f} {r['ratio']:>12.2f}x"
            )
        report["rows"] = rows
        at32 = next((r for r in rows if r["concurrency"] == 32), None)
        if at32:
            verdict = "PASS" if at32["speedup"] >= TARGET_SPEEDUP_AT_32 else "FAIL"
            print(
                f"\n[{verdict}] speed-up at 32 concurrent >= {TARGET_SPEEDUP_AT_32:g}x: {at32['speedup']:.1f}x"
            )
        verdict = "PASS" if all(r["ratio"] >= 1.0 for r in rows) else "FAIL"
        print(
            f"[{verdict}] ours >= 1.0x OpenEnv's gather at every concurrency: "
            + ", ".join(f"{r['ratio']:.2f}x" for r in rows)
        )

        sessions = 500 if args.quick else 2000
        held = asyncio.run(_hold_sessions(urls["arithmetic"][0], sessions))
        report["sessions"] = held
        verdict = "PASS" if held["errors"] == 0 else "FAIL"
        print(
            f"\n[{verdict}] {sessions} concurrent async sessions on one server: {held['errors']} errors, "
            f"step p50 {held['p50_ms']:.1f} ms, p99 {held['p99_ms']:.1f} ms ({held['seconds']:.1f} s)"
            + (f"; first error: {held['first_error']}" if held["errors"] else "")
        )
    finally:
        pool.close()
        stop_process(peer)
    try:
        if not args.quick:
            model = measure_model(urls, 16)
            report["model"] = model
            print(
                f"\nSmolLM2-135M-Instruct (llama.cpp, CPU) in the batching actor, 16 episodes of 2 turns: "
                f"{model['tokens_per_s']:.1f} generated tokens/s, mean batch {model['mean_batch']:.1f}, "
                f"{model['episodes_per_min']:.1f} episodes/min; prompt tokens decoded "
                f"{model['prompt_tokens_decoded']:.0f}, reused from the KV cache {model['prompt_tokens_reused']:.0f}"
            )
    finally:
        provider.stop()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
