"""``skillgym eval``, ``skillgym leaderboard`` and ``skillgym tokens``: the hub from a terminal."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from skillgym.hub_server.scores.tokens import TokenStore

DEFAULT_HUB = "http://127.0.0.1:8000"
HubOption = Annotated[str, typer.Option("--hub", help="The hub's base URL.")]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        envvar="SKILLGYM_DATABASE_URL",
        help="The hub's database (default: the hub's default SQLite file).",
        show_default=False,
    ),
]


def _token(token: str | None) -> str | None:
    return token or os.environ.get("SKILLGYM_API_TOKEN")


def _token_store(database_url: str | None) -> TokenStore:
    from skillgym.hub_server.scores.database import Database, default_database_url
    from skillgym.hub_server.scores.tokens import TokenStore

    return TokenStore(Database.open(database_url or default_database_url()))


def add_hub_commands(app: typer.Typer) -> None:
    """Add ``eval``, ``leaderboard`` and the ``tokens`` group to ``app``."""

    @app.command("eval")
    def eval_command(
        suite: Annotated[str, typer.Option(help="The suite to play, e.g. core-v1.")],
        policy: Annotated[
            str,
            typer.Option(
                help="oracle, random, noop, heuristic, openai:URL#MODEL, model:smollm2, "
                "or module:callable."
            ),
        ],
        hub: HubOption = DEFAULT_HUB,
        token: Annotated[
            str | None,
            typer.Option(
                help="A token with the submit scope (default: SKILLGYM_API_TOKEN).",
                show_default=False,
            ),
        ] = None,
        episodes_per_task: Annotated[
            int | None, typer.Option(help="Seeds per task (default: the suite's count).")
        ] = None,
        reference: Annotated[
            bool,
            typer.Option(help="A reference run, seeds shown to the player (the oracle; admin)."),
        ] = False,
        run: Annotated[
            str | None, typer.Option("--run", help="Continue this run (default: the state file's).")
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(help="Trajectory file (JSON lines); its .run.json keeps the run's id."),
        ] = None,
        workers: Annotated[int, typer.Option(help="Env-worker actors.")] = 2,
        max_in_flight: Annotated[int, typer.Option(help="Episodes running at once.")] = 16,
        attempts: Annotated[int, typer.Option(help="Tries per slot.")] = 3,
        deadline: Annotated[float, typer.Option(help="Seconds per episode, all included.")] = 600.0,
        max_turns: Annotated[
            int | None, typer.Option(help="Policy turns per episode; then it submits.")
        ] = None,
        quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    ) -> None:
        """Evaluate a policy on a suite through a hub: a verified run on hidden seeds."""
        from skillgym.clients.rollout.evaluation import EvalConfig, evaluate
        from skillgym.clients.rollout.specs import load_policy
        from skillgym.hub_report import EvalProgress, print_run

        chosen = load_policy(policy)
        out = out or Path("runs") / "eval" / f"{suite}-{chosen.name.replace('/', '_')}.jsonl"
        out = Path(str(out).replace(":", "_").replace("#", "_"))
        state = out.with_suffix(".run.json")
        config = EvalConfig(
            suite=suite,
            episodes_per_task=episodes_per_task,
            reference=reference,
            workers=workers,
            max_in_flight=max_in_flight,
            attempts=attempts,
            deadline_s=deadline,
            max_turns=max_turns,
        )
        typer.echo(f"eval: {chosen.name} on {suite} through {hub}", err=True)
        with EvalProgress(enabled=not quiet) as progress:
            result = evaluate(
                chosen,
                hub=hub,
                token=_token(token),
                config=config,
                run_id=run,
                state_path=state,
                out=out,
                on_episode=progress.update,
                on_start=progress.start,
            )
        print_run(result, hub)

    @app.command("leaderboard")
    def leaderboard_command(
        hub: HubOption = DEFAULT_HUB,
        suite: Annotated[str | None, typer.Option(help="The suite (default: the latest).")] = None,
    ) -> None:
        """Print a suite's leaderboard: verified runs ranked, with 95% intervals."""
        from skillgym.clients.hub_client import HubClient
        from skillgym.hub_report import print_leaderboard

        with HubClient(hub) as client:
            print_leaderboard(client.leaderboard(suite), hub)

    tokens = typer.Typer(help="API tokens of this machine's hub database.", no_args_is_help=True)
    app.add_typer(tokens, name="tokens")

    @tokens.command("create")
    def create_token(
        scope: Annotated[list[str], typer.Option(help="submit or admin; repeatable.")],
        name: Annotated[str, typer.Option(help="Who or what the token is for.")] = "",
        database_url: DatabaseOption = None,
    ) -> None:
        """Create a token; it is printed once and never shown again."""
        record, secret = _token_store(database_url).create(name or getpass.getuser(), scope)
        typer.echo(
            f"created token {record.id} for {record.name!r} ({' '.join(record.scopes)}); "
            "it is shown once, keep it now:",
            err=True,
        )
        typer.echo(secret)

    @tokens.command("list")
    def list_tokens(database_url: DatabaseOption = None) -> None:
        """List tokens: id, name, scopes, created, revoked (never the secrets)."""
        for record in _token_store(database_url).list():
            revoked = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "live"
            typer.echo(
                f"{record.id}  {record.name:<24} {' '.join(record.scopes):<13} "
                f"created {record.created_at:%Y-%m-%d %H:%M}  {revoked}"
            )

    @tokens.command("revoke")
    def revoke_token(
        token_id: Annotated[str, typer.Argument(help="The token's id (skillgym tokens list).")],
        database_url: DatabaseOption = None,
    ) -> None:
        """Revoke a token; servers refuse it within their token_cache_s."""
        if not _token_store(database_url).revoke(token_id):
            typer.echo(f"No live token {token_id!r}; see `skillgym tokens list`.", err=True)
            raise typer.Exit(1)
        typer.echo(f"revoked {token_id}", err=True)
