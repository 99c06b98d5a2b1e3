"""``skillgym import harbor``: Harbor task folders or whole datasets in, a table of what became of each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def add_import_commands(app: typer.Typer) -> None:
    """Add the ``import`` group (``harbor``) to the command line."""
    importer = typer.Typer(help="Convert tasks from other formats into SkillGym tasks.")
    app.add_typer(importer, name="import")

    @importer.command("harbor")
    def import_harbor(
        sources: Annotated[
            list[Path],
            typer.Argument(
                help="Harbor / Terminal-Bench 2 task folders, or dataset folders holding them."
            ),
        ],
        tasks_dir: Annotated[
            Path, typer.Option(help="Tasks folder to write into (tasks/terminal/<name>).")
        ] = Path("tasks"),
        name: Annotated[
            str | None, typer.Option(help="Task name (one task only; default: its folder's).")
        ] = None,
        version: Annotated[str, typer.Option(help="Version of the imported tasks.")] = "1.0.0",
        converted: Annotated[
            bool,
            typer.Option(
                "--converted",
                help="Write only the converted form (Dockerfile read, never built; tests run "
                "by SkillGym's runner) instead of running the task as Harbor runs it.",
            ),
        ] = False,
        base_image: Annotated[
            str | None,
            typer.Option(help="With --converted: the docker sandbox's image for the tasks."),
        ] = None,
        validate: Annotated[
            bool,
            typer.Option(
                "--validate",
                help="Then play the oracle and a no-op on each imported task (in docker for "
                "Harbor tasks: builds their images) and add the verdicts to the table.",
            ),
        ] = False,
        force: Annotated[bool, typer.Option(help="Overwrite existing task folders.")] = False,
    ) -> None:
        """Import Harbor tasks (instruction.md, task.toml, environment/, solution/, tests/)."""
        from skillgym.envs.terminal.harbor.dataset import (
            ImportRow,
            harbor_task_folders,
            import_dataset,
            import_one,
            table,
            validate_row,
        )
        from skillgym.envs.terminal.harbor.importer import Semantics

        folders = harbor_task_folders(sources)
        if name is not None and len(folders) > 1:
            raise typer.BadParameter(f"--name needs exactly one task; found {len(folders)}.")
        semantics: Semantics = "converted" if converted else "harbor"
        rows: list[ImportRow] = []
        if name is not None:
            rows.append(import_one(folders[0], tasks_dir, name=name, version=version,
                                   force=force, semantics=semantics, base_image=base_image))  # fmt: skip
        else:
            rows.extend(import_dataset(folders, tasks_dir, version=version, force=force,
                                       semantics=semantics, base_image=base_image))  # fmt: skip
        for row in rows:
            where = f"{row.result.task_id}@{version}" if row.result else row.source.name
            typer.echo(f"{row.status:<11} {where}" + (f": {row.reason}" if row.reason else ""))
            for warning in row.warnings:
                typer.echo(f"  warning: {warning}")
            if row.result and len(row.result.docker_only) > 1:
                for reason in row.result.docker_only[1:]:
                    typer.echo(f"  docker-only: {reason}")
        if validate:
            player = _player(tasks_dir)
            for row in rows:
                if row.result is not None:
                    typer.echo(f"validating {row.result.task_id} ...")
                    validate_row(row, player)
        typer.echo("\n" + table(rows))
        if any(row.result for row in rows):
            typer.echo(
                f"\nPlay one: skillgym run terminal/<name> --tasks-dir {tasks_dir}\n"
                f"Check them all: skillgym validate --tasks-dir {tasks_dir}"
            )


def _player(tasks_dir: Path):  # type: ignore[no-untyped-def]
    """Plays a task's oracle and a no-op (seed 0); returns their scores and any error."""
    from skillgym.envs.core.episode import make_policy, run_episode
    from skillgym.envs.core.errors import SkillGymError
    from skillgym.envs.core.tasks import TaskCatalog
    from skillgym.envs.terminal.env import TerminalEnv

    catalog = TaskCatalog.load(tasks_dir)

    def play(task_id: str) -> tuple[float | None, float | None, str]:
        scores: list[float | None] = []
        for policy in ("oracle", "noop"):
            try:
                chosen = make_policy(
                    policy, family="terminal", task=task_id, seed=0, catalog=catalog
                )
                with TerminalEnv(catalog=catalog) as env:
                    scores.append(run_episode(env, chosen, task=task_id, seed=0).reward)
            except SkillGymError as exc:
                return (*scores, *[None] * (2 - len(scores)), f"{policy}: {exc.message}")  # type: ignore[return-value]
        return scores[0], scores[1], ""

    return play
