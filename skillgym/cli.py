"""The ``skillgym`` command line: serve, list, run, validate, demo, site, import."""

from __future__ import annotations

import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, SupportsFloat

import gymnasium as gym

try:
    import typer
except ImportError:  # a bare `pip install skillgym` is the light client only
    typer = None  # type: ignore[assignment]


class PolicyName(StrEnum):
    """Built-in policies."""

    oracle = "oracle"
    random = "random"
    noop = "noop"
    heuristic = "heuristic"


class SandboxName(StrEnum):
    """Where terminal tasks run."""

    bwrap = "bwrap"
    docker = "docker"


class TransportName(StrEnum):
    """How a remote env talks to its server."""

    http = "http"
    websocket = "websocket"


def add_serve_command(app: typer.Typer) -> None:
    """Add ``serve``, its options generated from the server's settings (``serve_options``)."""
    try:
        from skillgym.serve_options import serve_command
    except ImportError as exc:  # the light install: every other command still works
        missing = str(exc)

        def serve() -> None:
            """Serve every environment family over HTTP and WebSocket (needs skillgym[hub])."""
            typer.echo(
                f"skillgym serve needs the server's extras: pip install 'skillgym[hub]' ({missing}).",
                err=True,
            )
            raise typer.Exit(2)

        app.command("serve")(serve)
        return
    app.command("serve")(serve_command())


def build_app() -> typer.Typer:
    """The Typer application."""
    app = typer.Typer(
        help="SkillGym: verifiable RL environments for LLM agents.", no_args_is_help=True
    )

    add_serve_command(app)
    from skillgym.rollout_command import add_rollout_command

    add_rollout_command(app)
    from skillgym.hub_commands import add_hub_commands

    add_hub_commands(app)
    from skillgym.images_command import add_images_command
    from skillgym.replicas_command import add_replicas_commands

    add_images_command(app)
    add_replicas_commands(app)

    @app.command("list")
    def list_tasks(
        family: Annotated[str | None, typer.Option(help="Only this family.")] = None,
    ) -> None:
        """List environment families and their tasks with versions."""
        from skillgym.envs.core.registry import FAMILIES, family_description, get_family
        from skillgym.envs.core.tasks import TaskCatalog

        if family is not None:
            get_family(family)
        catalog = TaskCatalog.load()
        for spec in sorted(FAMILIES.values(), key=lambda s: s.name):
            if family not in (None, spec.name):
                continue
            typer.echo(f"{spec.name}  ({spec.gym_id})  {family_description(spec.name)}")
            for task in catalog.latest(spec.name):
                versions = ", ".join(v.version for v in catalog.versions(task.id))
                typer.echo(f"  {task.id:<38} {versions:<10} {task.difficulty:<7} {task.title}")

    @app.command()
    def run(
        task: Annotated[
            str,
            typer.Argument(help="Task id, optionally @version, e.g. arithmetic/sum-list@1.0.0."),
        ],
        policy: Annotated[PolicyName, typer.Option(help="Who plays.")] = PolicyName.oracle,
        seed: Annotated[int, typer.Option(help="Episode seed.")] = 0,
        base_url: Annotated[
            str | None, typer.Option(help="Play on this server instead of in-process.")
        ] = None,
        token: Annotated[
            str | None,
            typer.Option(envvar="SKILLGYM_API_TOKEN", help="Bearer token for --base-url."),
        ] = None,
        transport: Annotated[
            TransportName, typer.Option(help="Remote transport.")
        ] = TransportName.http,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
        tasks_dir: Annotated[
            Path | None,
            typer.Option(help="Tasks folder holding TASK (default: the bundled tasks)."),
        ] = None,
        sandbox: Annotated[
            SandboxName | None,
            typer.Option(
                help="Terminal tasks' sandbox (default: $SKILLGYM_SANDBOX, else bwrap; a "
                "docker-only task runs in docker)."
            ),
        ] = None,
    ) -> None:
        """Play one episode of TASK and print it with its verification."""
        from skillgym.envs.core.episode import make_policy, run_episode
        from skillgym.envs.core.tasks import TaskCatalog
        from skillgym.factory import make_env

        if base_url is not None and (tasks_dir is not None or sandbox is not None):
            raise typer.BadParameter(
                "--tasks-dir and --sandbox choose what runs in this process; with --base-url "
                "the server's tasks and sandboxes are used."
            )
        catalog = TaskCatalog.load(tasks_dir) if tasks_dir is not None else TaskCatalog.load()
        spec = catalog.resolve(task)
        kwargs: dict[str, Any] = (
            {"transport": transport.value, "token": token} if base_url else {"catalog": catalog}
        )
        if sandbox is not None and spec.family == "terminal":
            kwargs["sandbox"] = sandbox.value
        chosen = make_policy(
            policy.value, family=spec.family, task=spec.ref, seed=seed, catalog=catalog
        )
        with make_env(spec.family, task=spec.ref, base_url=base_url, **kwargs) as env:
            played = env if as_json else EchoSteps(env)
            result = run_episode(played, chosen, task=spec.ref, seed=seed)
        if as_json:
            typer.echo(result.model_dump_json())
            return
        verdict = "SUCCESS" if result.success else "FAILURE"
        typer.echo(
            f"\n{verdict}: reward {result.reward:.3f} after {result.steps} steps ({spec.ref}, seed {seed})"
        )
        for check in result.verification.checks:
            mark = "pass" if check.passed else "FAIL"
            detail = f" {check.detail}" if check.detail else ""
            typer.echo(
                f"  [{mark}] {check.name}: expected {check.expected!r}, actual {check.actual!r}{detail}"
            )

    @app.command()
    def validate(
        tasks: Annotated[
            list[str] | None, typer.Argument(help="Task ids to check (default: every task).")
        ] = None,
        seeds: Annotated[int, typer.Option(help="Oracle episodes per task version.")] = 3,
        update_lock: Annotated[
            bool, typer.Option(help="Add valid versions missing from versions.lock to it.")
        ] = False,
        tasks_dir: Annotated[
            Path | None,
            typer.Option(help="Tasks folder, with its versions.lock (default: the bundled tasks)."),
        ] = None,
        changed: Annotated[
            bool,
            typer.Option(
                "--changed",
                help="Only the tasks this branch changed against --base (what a pull request's CI runs).",
            ),
        ] = False,
        base: Annotated[str, typer.Option(help="The branch --changed compares with.")] = "main",
        rehash: Annotated[
            bool,
            typer.Option(
                help="Accept new file hashes of locked versions whose episodes are unchanged "
                "(after moving files; review the lock's diff)."
            ),
        ] = False,
        sandbox: Annotated[
            SandboxName | None,
            typer.Option(help="Terminal tasks' sandbox (default: $SKILLGYM_SANDBOX, else bwrap)."),
        ] = None,
    ) -> None:
        """Check tasks: oracle scores 1.0, a no-op 0, cheats < 0.5, content matches versions.lock."""
        if sandbox is not None:  # read by every terminal environment this process makes
            os.environ["SKILLGYM_SANDBOX"] = sandbox.value
            typer.echo(f"Terminal tasks run in the {sandbox.value} sandbox.")
        from skillgym.envs.core.tasks import TaskCatalog, default_tasks_dir
        from skillgym.envs.core.validation import lock_new_versions
        from skillgym.envs.core.validation import validate as run_validation
        from skillgym.envs.core.versions_lock import LOCK_NAME, VersionsLock

        root = tasks_dir or default_tasks_dir()
        catalog = TaskCatalog.load(root)
        lock_path = root / LOCK_NAME
        lock = VersionsLock.load(lock_path)
        if changed:
            from skillgym.envs.core.changed_tasks import changed_tasks

            found = changed_tasks(catalog, root, base)
            for task_id, reason in found.reasons.items():
                typer.echo(f"changed: {task_id} ({reason})")
            if not found.ids:
                typer.echo(f"No task under {root} changed against {base}.")
                return
            tasks = sorted(set(tasks or []) | set(found.ids))
        reports = []
        for report in run_validation(catalog, lock, tasks or [], seeds=range(seeds)):
            reports.append(report)
            scores = ", ".join(f"{s:.2f}" for s in report.oracle_scores)
            noop = "-" if report.noop_score is None else f"{report.noop_score:.2f}"
            adding = report.episodes_ok and (
                (update_lock and report.lock == "unlocked") or (rehash and report.lock == "moved")
            )
            mark = (
                "ok  "
                if report.ok
                else ("hash" if report.lock == "moved" else "new ")
                if adding
                else "FAIL"
            )
            cheats = "".join(f"  {n} {v:.2f}" for n, v in report.cheat_scores.items())
            if report.superseded_by:
                cheats = f"  (kept for pinned suites; {report.superseded_by} supersedes it)"
            typer.echo(f"{mark} {report.ref:<40} oracle [{scores}]  no-op {noop}{cheats}")
            for problem in report.problems if adding else report.all_problems:
                typer.echo(f"       {problem}")
        if rehash:
            lock, rehashed = lock.rehashing(
                [
                    (catalog.resolve(r.ref), r.episodes)
                    for r in reports
                    if r.lock == "moved" and r.episodes_ok and r.episodes
                ]
            )
            lock.write(lock_path)
            typer.echo(
                f"{lock_path}: new file hashes for {len(rehashed)} version(s) whose episodes are unchanged"
            )
            reports = [r for r in reports if r.ref not in rehashed]
        if update_lock:
            updated = lock_new_versions(lock, reports, catalog)
            updated.write(lock_path)
            typer.echo(f"{lock_path}: added {len(updated.entries) - len(lock.entries)} version(s)")
            lock = updated
            reports = [r for r in reports if not (r.lock == "unlocked" and r.episodes_ok)]
        every_version = [v for task_id in catalog.ids() for v in catalog.versions(task_id)]
        missing = [] if tasks else lock.missing(every_version)
        for problem in missing:
            typer.echo(f"FAIL {problem}")
        failed = [r for r in reports if not r.ok]
        if failed or missing:
            typer.echo(f"\n{len(failed) + len(missing)} problem(s); see above.")
            raise typer.Exit(1)
        typer.echo("\nEvery task version checked is valid.")

    new_app = typer.Typer(help="Start something new from a template.", no_args_is_help=True)
    app.add_typer(new_app, name="new")

    @new_app.command("task")
    def new_task_command(
        task_id: Annotated[
            str,
            typer.Argument(
                metavar="FAMILY/NAME", help="The new task's id, e.g. terminal/count-lines."
            ),
        ],
        tasks_dir: Annotated[
            Path, typer.Option(help="The tasks folder to write into (it may be empty).")
        ] = Path("tasks"),
        force: Annotated[
            bool, typer.Option(help="Overwrite the task's folder if it exists.")
        ] = False,
    ) -> None:
        """Write a working task from its family's template: its oracle passes validate as it is."""
        from skillgym.envs.core.scaffold import new_task

        folder = new_task(task_id, tasks_dir, force=force)
        typer.echo(f"Wrote {folder}:")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            typer.echo(f"  {path.relative_to(folder)}")
        typer.echo(
            f"Check it with: skillgym validate {task_id} --tasks-dir {tasks_dir}\n"
            "Then make it yours: CONTRIBUTING.md walks through each file."
        )

    @app.command()
    def demo(
        seeds: Annotated[
            int | None, typer.Option(help="Seeds per task and policy (default: per family).")
        ] = None,
        rollout: Annotated[
            bool,
            typer.Option(help="Then a rollout on Ray over local replicas, with the small model."),
        ] = True,
        leaderboard: Annotated[
            bool,
            typer.Option(help="Then evaluate the baselines and the model on core-v1 via a hub."),
        ] = True,
    ) -> None:
        """Serve locally, play the oracle and a random policy on every task, then roll out on Ray."""
        from dataclasses import replace

        from skillgym.demo import DemoConfig, RolloutDemo, run_demo
        from skillgym.leaderboard_demo import LeaderboardDemo

        config = DemoConfig(
            rollout=RolloutDemo() if rollout else None,
            leaderboard=LeaderboardDemo() if leaderboard else None,
        )
        if seeds is not None:
            families = tuple(replace(f, seeds=seeds) for f in config.families)
            config = replace(config, families=families)
        run_demo(config, echo=typer.echo)

    @app.command()
    def site(
        task: Annotated[str, typer.Argument(help="A flight task, e.g. flight/family-trip.")],
        seed: Annotated[int, typer.Option(help="The episode's seed.")] = 0,
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8001,
    ) -> None:
        """Serve one flight episode's site on a port, to click through it in your own browser."""
        import tempfile

        from skillgym.envs.core.env import default_catalog, episode_rng
        from skillgym.envs.core.generators import generate_episode
        from skillgym.envs.flight.env import open_site
        from skillgym.envs.flight.site.local_server import SiteServer

        spec = default_catalog().resolve(task, family="flight")
        rng = episode_rng(spec, seed)
        scenario = generate_episode(spec, rng)
        with tempfile.TemporaryDirectory(prefix="skillgym-site-") as folder:
            store, pages = open_site(scenario, rng, Path(folder))
            server = SiteServer(pages, host, port)
            typer.echo(
                f"# {spec.ref} seed {seed}\n{spec.render_instruction(scenario.variables).strip()}\n"
            )
            typer.echo(f"Aerolane for this episode: {server.url}/  (Ctrl-C stops it)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
                store.close()

    from skillgym.import_command import add_import_commands

    add_import_commands(app)

    return app


class EchoSteps(gym.Wrapper):
    """Prints each step of an episode as it is played."""

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        """Reset, and print the task and its instruction."""
        observation, info = super().reset(**kwargs)
        typer.echo(f"# {info['task']} seed {info['seed']}\n{observation['instruction'].strip()}\n")
        return observation, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step, and print the action and what the observation shows now."""
        observation, reward, terminated, truncated, info = super().step(action)
        typer.echo(f"> {action}")
        for name, value in observation.items():
            if name != "instruction" and value:
                typer.echo(f"  {name}: {value.strip()[:500]}")
        return observation, reward, terminated, truncated, info


def main() -> None:
    """Entry point of the ``skillgym`` script."""
    if typer is None:
        sys.stderr.write(
            "The skillgym command line needs its extras: pip install 'skillgym[local]' (or [hub] to serve).\n"
        )
        raise SystemExit(2)
    from skillgym.envs.core.errors import SkillGymError

    # Long steps say what they are doing (a Harbor task's first image build takes minutes).
    progress = logging.StreamHandler(sys.stderr)
    progress.setFormatter(logging.Formatter("  %(message)s"))
    harbor_log = logging.getLogger("skillgym.envs.terminal.harbor")
    harbor_log.addHandler(progress)
    harbor_log.setLevel(logging.INFO)
    try:
        build_app()()
    except SkillGymError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
