"""``skillgym rollout``: a policy fanned out over replicas, trajectories to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def add_rollout_command(app: typer.Typer) -> None:
    """Add ``rollout`` to the command line."""

    @app.command("rollout")
    def rollout_command(
        task: Annotated[
            list[str] | None,
            typer.Option("--task", help="A task, family/name[@version]; repeat for more."),
        ] = None,
        family: Annotated[
            list[str] | None,
            typer.Option("--family", help="Every task of a family (newest versions); repeatable."),
        ] = None,
        suite: Annotated[
            str | None,
            typer.Option(
                help="A suite (tasks/suites/<name>.yaml): its pinned tasks and public seeds."
            ),
        ] = None,
        policy: Annotated[
            str,
            typer.Option(
                help="oracle | random | noop | heuristic | openai:URL#model | model:smollm2 "
                "| module:callable"
            ),
        ] = "oracle",
        replica: Annotated[
            list[str] | None,
            typer.Option(
                "--replica", help="A running server's URL; repeatable. Default: start local ones."
            ),
        ] = None,
        replicas: Annotated[
            int, typer.Option(help="Replicas to start per family (without --replica).")
        ] = 2,
        provider: Annotated[
            str,
            typer.Option(
                help="Where started replicas run: local (processes), docker (a container of "
                "the family's image each), ray or ray-docker (either, owned by Ray actors on "
                "the cluster's nodes)."
            ),
        ] = "local",
        group_size: Annotated[int, typer.Option(help="G: rollouts per (task, seed).")] = 1,
        episodes: Annotated[int, typer.Option(help="Rollouts in all (episodes / G groups).")] = 8,
        over_provision: Annotated[
            int, typer.Option(help="Start G+k rollouts per group, keep the first G.")
        ] = 0,
        drop_equal: Annotated[
            bool, typer.Option(help="Mark groups whose rewards are all equal as dropped.")
        ] = False,
        weighting: Annotated[
            str, typer.Option(help="uniform, or pass_rate: favour tasks sometimes solved.")
        ] = "uniform",
        seed: Annotated[int, typer.Option(help="Seeds the plan: tasks and env seeds.")] = 0,
        max_in_flight: Annotated[int, typer.Option(help="Episodes running at once.")] = 64,
        workers: Annotated[int, typer.Option(help="Env-worker actors.")] = 2,
        attempts: Annotated[int, typer.Option(help="Tries per episode, on other replicas.")] = 3,
        deadline: Annotated[float, typer.Option(help="Seconds per episode, all included.")] = 600.0,
        max_turns: Annotated[
            int | None, typer.Option(help="Policy turns per episode; then the rollout submits.")
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Trajectory file (JSON lines); a rerun resumes it.")
        ] = None,
        quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    ) -> None:
        """Play a policy on many episodes over replicas (Ray); write GRPO-ready trajectories."""
        from skillgym.clients.rollout.progress import RolloutProgress, print_summary
        from skillgym.clients.rollout.replicas import StaticReplicas
        from skillgym.clients.rollout.runner import RolloutConfig, rollout
        from skillgym.clients.rollout.specs import load_policy, select_tasks
        from skillgym.hub_server.replicas import (
            ReplicaError,
            ReplicaPool,
            ReplicaSet,
            make_provider,
        )

        chosen_policy = load_policy(policy)
        from skillgym.envs.core.suites import load_suite

        chosen_suite = load_suite(suite) if suite is not None else None
        tasks = select_tasks(task or (), family or (), chosen_suite)
        seeds = chosen_suite.seeds if chosen_suite is not None else None
        config = RolloutConfig(
            episodes=episodes,
            group_size=group_size,
            over_provision=over_provision,
            drop_equal_rewards=drop_equal,
            weighting=weighting,  # type: ignore[arg-type]
            seed=seed,
            seeds=seeds,
            max_in_flight=max_in_flight,
            workers=workers,
            attempts=attempts,
            deadline_s=deadline,
            max_turns=max_turns,
        )
        families = sorted({t.family for t in tasks})
        typer.echo(
            f"rollout: {chosen_policy.name} on {len(tasks)} task(s), {config.groups} group(s) "
            f"of {group_size}, replicas: "
            + (
                ", ".join(replica)
                if replica
                else f"{replicas} {provider} per family ({', '.join(families)})"
            ),
            err=True,
        )
        try:
            source = (
                StaticReplicas(replica)
                if replica
                else ReplicaPool(make_provider(provider), replicas)
            )
            urls = source.start(families)
        except ReplicaError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        placement: ReplicaSet | dict[str, list[str]] = urls
        if isinstance(source, ReplicaPool):  # a dead replica is replaced while the run goes on
            placement = source.watch().placement
        try:
            with RolloutProgress(config, enabled=not quiet) as progress:
                _, summary = rollout(
                    chosen_policy, tasks, placement, config, out=out, on_group=progress.update
                )
        finally:
            source.stop()
        print_summary(summary, out)
