"""The demo ``make demo`` runs: a local server, oracle and random policies over HTTP, a rollout.

Every task of every demo family is played over several seeds by both policies,
concurrently, through ``AsyncRemoteEnv``; each episode is written as one JSON line,
each episode's files (the spreadsheet's workbook, the flight site's last page) are
downloaded through the API, and a score table is printed with where to look next.
Then a rollout on Ray: oracle groups over local replicas of the flight, spreadsheet
and terminal families, and the real small model for a few episodes, written as
trajectories. Last, the baselines and the small model are evaluated on ``core-v1``
through a hub (:mod:`skillgym.leaderboard_demo`), which fills its leaderboard.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skillgym.clients.async_remote_env import AsyncRemoteEnv
from skillgym.clients.base import Transport
from skillgym.envs.core.episode import EpisodeResult, episode_result, make_policy
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings
from skillgym.leaderboard_demo import LeaderboardDemo, run_leaderboard_demo


@dataclass(frozen=True)
class FamilyDemo:
    """One family in the demo: how many seeds per task, and which episode files to keep."""

    name: str
    seeds: int
    artifacts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RolloutDemo:
    """The demo's rollout on Ray: a group per task over local replicas, and the small model."""

    families: tuple[str, ...] = ("flight", "spreadsheet", "terminal")
    replicas: int = 2
    """Local replicas (``skillgym serve`` processes) per family."""
    group_size: int = 2
    groups_per_family: int = 2
    model_episodes: int = 4
    """Episodes the real small model plays (arithmetic, two turns each); 0: none."""
    out: Path = Path("runs/demo/trajectories.jsonl")


@dataclass(frozen=True)
class DemoConfig:
    """What the demo plays, and where it writes."""

    families: tuple[FamilyDemo, ...] = (
        FamilyDemo("arithmetic", seeds=5),
        FamilyDemo("flight", seeds=2, artifacts=("screenshot.png",)),
        FamilyDemo("spreadsheet", seeds=2, artifacts=("workbook.xlsx",)),
        FamilyDemo("terminal", seeds=2),
    )
    policies: tuple[str, ...] = ("oracle", "random")
    concurrency: int = 8
    """Episodes in flight at once (each terminal episode holds a sandbox)."""
    transport: Transport = "http"
    out: Path = Path("runs/demo/episodes.jsonl")
    rollout: RolloutDemo | None = None
    """The rollout on Ray that follows (``make demo``: the default one)."""
    leaderboard: LeaderboardDemo | None = None
    """Then evaluations through a hub, for its leaderboard (``make demo``: the default one)."""

    @property
    def files(self) -> Path:
        """Where episodes' files go."""
        return self.out.parent / "files"


async def play(
    base_url: str, policy_name: str, task: str, seed: int, family: FamilyDemo, config: DemoConfig
) -> EpisodeResult:
    """One episode of ``task`` over the wire; its files are downloaded when it ends."""
    policy = make_policy(policy_name, family=family.name, task=task, seed=seed)
    async with AsyncRemoteEnv(base_url, env=family.name, transport=config.transport) as env:
        observation, _ = await env.reset(seed=seed, options={"task": task})
        while True:
            observation, reward, terminated, truncated, info = await env.step(policy(observation))
            if terminated or truncated:
                break
        for name in family.artifacts:
            stem = task.split("/", 1)[1].replace("@", "-")
            target = config.files / f"{stem}-seed{seed}-{policy_name}-{name}"
            target.write_bytes(await env.artifact(name))
    return episode_result(info, reward, terminated, truncated)


async def play_all(base_url: str, config: DemoConfig) -> list[tuple[str, EpisodeResult]]:
    """Every (policy, task, seed) of the demo, concurrently."""
    catalog = TaskCatalog.load()
    jobs = [
        (p, t.ref, s, family)
        for family in config.families
        for p in config.policies
        for t in catalog.latest(family.name)
        for s in range(family.seeds)
    ]
    config.files.mkdir(parents=True, exist_ok=True)
    slots = asyncio.Semaphore(config.concurrency)

    async def bounded(policy: str, task: str, seed: int, family: FamilyDemo) -> EpisodeResult:
        async with slots:
            return await play(base_url, policy, task, seed, family, config)

    results = await asyncio.gather(*(bounded(p, t, s, f) for p, t, s, f in jobs))
    return [(job[0], r) for job, r in zip(jobs, results, strict=True)]


def score_table(results: list[tuple[str, EpisodeResult]]) -> str:
    """Mean reward and success rate per task and policy, as a text table."""
    groups: dict[tuple[str, str], list[EpisodeResult]] = defaultdict(list)
    for policy, result in results:
        groups[(f"{result.task}@{result.version}", policy)].append(result)
    lines = [f"{'task':<40} {'policy':<8} {'episodes':>8} {'reward':>7} {'success':>8}"]
    for (task, policy), group in sorted(groups.items()):
        reward = sum(r.reward for r in group) / len(group)
        success = sum(r.success for r in group) / len(group)
        lines.append(f"{task:<40} {policy:<8} {len(group):>8} {reward:>7.2f} {success:>8.0%}")
    return "\n".join(lines)


def run_demo(
    config: DemoConfig = DemoConfig(), echo: Callable[[str], None] = print
) -> list[tuple[str, EpisodeResult]]:
    """Serve locally, play the demo over HTTP, write the episodes, print what happened."""
    with BackgroundServer(ServerSettings(port=0)) as server:
        echo(f"Started a SkillGym server at {server.base_url} for this demo (it stops at the end).")
        started = time.perf_counter()
        results = asyncio.run(play_all(server.base_url, config))
        elapsed = time.perf_counter() - started
    config.out.parent.mkdir(parents=True, exist_ok=True)
    with config.out.open("w", encoding="utf-8") as out:
        for policy, result in results:
            out.write(json.dumps({"policy": policy, "episode": result.model_dump()}) + "\n")
    steps = sum(r.steps for _, r in results)
    families = ", ".join(f"{f.name} ({f.seeds} seeds per task)" for f in config.families)
    echo(
        f"\nPlayed {len(results)} episodes ({steps} steps) over {config.transport.upper()} in "
        f"{elapsed:.2f} s: {families}; policies {', '.join(config.policies)}.\n"
    )
    echo(score_table(results))
    echo(f"\nEvery episode, with its verification breakdown: {config.out}")
    names = {f.name for f in config.families if f.artifacts}
    if "spreadsheet" in names:
        echo(
            f"Each spreadsheet episode's final workbook (open it in a spreadsheet): {config.files}/"
        )
    if "flight" in names:
        echo(
            f"Each flight episode's last page, with the element ids the agent saw: {config.files}/*.png"
        )
    if any(f.name == "terminal" for f in config.families):
        echo(
            "Terminal episodes ran in bubblewrap sandboxes (no network, uid 1000, their own cgroup), "
            "one persistent shell each; the task's tests were copied in only after submit."
        )
    echo(
        "Keep a server up with `make serve` (API docs at http://127.0.0.1:8000/docs), then e.g.\n"
        "  .venv/bin/skillgym run spreadsheet/dcf-valuation --policy oracle --base-url http://127.0.0.1:8000\n"
        "  .venv/bin/skillgym run terminal/git-merge-conflict --policy oracle   # in a local sandbox\n"
        "  .venv/bin/skillgym run flight/family-trip --policy oracle             # in local Chromium\n"
        "and download a session's files from /v1/sessions/<id>/artifacts/ (workbook.xlsx, screenshot.png)"
    )
    if config.rollout is not None:
        run_rollout_demo(config.rollout, echo)
    if config.leaderboard is not None:
        run_leaderboard_demo(config.leaderboard, echo)
    return results


def run_rollout_demo(
    demo: RolloutDemo = RolloutDemo(), echo: Callable[[str], None] = print
) -> None:
    """``skillgym rollout``'s machinery: oracle groups over replicas per family, then the model."""
    from skillgym.clients.rollout import (
        LocalReplicas,
        RolloutConfig,
        ScriptedPolicy,
        TaskRef,
        rollout,
        select_tasks,
    )
    from skillgym.clients.rollout.progress import print_summary
    from skillgym.clients.rollout.runner import ensure_ray

    ensure_ray(include_dashboard=False)
    families = list(demo.families) + (["arithmetic"] if demo.model_episodes else [])
    provider = LocalReplicas(demo.replicas)
    echo(
        f"\nRollout on Ray: starting {demo.replicas} `skillgym serve` replicas per family "
        f"({', '.join(families)})..."
    )
    urls = provider.start(families)
    try:
        tasks = select_tasks(families=demo.families)
        per_family = {f: [t for t in tasks if t.family == f] for f in demo.families}
        chosen = [t for f in demo.families for t in per_family[f][: demo.groups_per_family]]
        config = RolloutConfig(
            episodes=len(chosen) * demo.group_size, group_size=demo.group_size, max_in_flight=8
        )
        demo.out.unlink(missing_ok=True)
        echo(
            f"Oracle, {config.groups} groups of {demo.group_size} ({len(chosen)} tasks), "
            f"episodes placed on the replica of their family with the fewest outstanding:"
        )
        _, summary = rollout(ScriptedPolicy("oracle"), chosen, urls, config, out=demo.out)
        print_summary(summary, demo.out)
        if demo.model_episodes:
            from skillgym.clients.rollout.model_policy import ModelPolicy

            model_out = demo.out.with_name("model-trajectories.jsonl")
            model_out.unlink(missing_ok=True)
            policy = ModelPolicy.named("smollm2", max_tokens=32)
            echo(
                f"\nSmolLM2-135M-Instruct (llama.cpp on CPU, in a batching Ray actor), "
                f"{demo.model_episodes} arithmetic episodes of at most 2 turns, one GRPO group:"
            )
            _, summary = rollout(
                policy,
                [TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")],
                urls,
                RolloutConfig(
                    episodes=demo.model_episodes,
                    group_size=demo.model_episodes,
                    max_in_flight=demo.model_episodes,
                    max_turns=2,
                ),
                out=model_out,
            )
            stats = policy.stats()
            print_summary(summary, model_out)
            echo(
                f"The model saw batches of {stats['mean_batch']:.1f} on average and generated "
                f"{stats['tokens_per_s']:.0f} tokens/s; each turn in {model_out} keeps its prompt "
                "and completion token ids, logprobs and loss mask."
            )
    finally:
        provider.stop()
    echo(
        "Roll out yourself, e.g.\n"
        "  .venv/bin/skillgym rollout --family spreadsheet --policy oracle --group-size 4 "
        "--episodes 16 --out runs/traj.jsonl"
    )
