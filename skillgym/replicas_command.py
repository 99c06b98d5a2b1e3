"""``skillgym replicas up|list|down``: family containers that outlive the command.

``up`` starts containers of the family's image (``skillgym images build``) and prints
their URLs, for ``skillgym rollout --replica URL`` or any client; ``down`` removes them.
They listen on a free port of the host's loopback (``--network host``): a detached
container has no owning process to forward a Unix socket for it, as the hub and the
rollouts do for theirs, which run with no network at all.
"""

from __future__ import annotations

from typing import Annotated

import typer


def add_replicas_commands(app: typer.Typer) -> None:
    """Add ``replicas up``, ``replicas list`` and ``replicas down``."""
    replicas = typer.Typer(
        help="Family containers serving the /v1 API (Docker).", no_args_is_help=True
    )

    @replicas.command("up")
    def up(
        family: Annotated[str, typer.Option(help="The family, e.g. flight.")],
        n: Annotated[int, typer.Option("-n", "--count", help="How many replicas.", min=1)] = 1,
        host: Annotated[str, typer.Option(help="The interface they listen on.")] = "127.0.0.1",
    ) -> None:
        """Start N containers of a family's image; print their URLs once they are healthy."""
        from skillgym.hub_server.replicas import ReplicaError, ReplicaPool
        from skillgym.hub_server.replicas.docker import DockerProvider

        try:
            provider = DockerProvider(network="host", host=host, detached=True)
            pool = ReplicaPool(provider, n)
            urls = pool.start([family])[family]
        except ReplicaError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        for replica in pool.all():
            typer.echo(
                f"{replica.url}  {replica.name}  (healthy in {replica.ready_s:.1f} s)", err=True
            )
        typer.echo("\n".join(urls))
        typer.echo(
            f"Use them: skillgym rollout --replica {urls[0]} ...; remove them: "
            f"skillgym replicas down --family {family}",
            err=True,
        )

    @replicas.command("list")
    def list_replicas() -> None:
        """The replica containers on this engine: name, family, URL, state, owner."""
        from skillgym.hub_server.replicas import ReplicaError
        from skillgym.hub_server.replicas.docker import listed_replicas

        try:
            rows = listed_replicas()
        except ReplicaError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        if not rows:
            typer.echo("No replica containers.", err=True)
            return
        width = max(len(r.name) for r in rows)
        for r in rows:
            typer.echo(
                f"{r.name:<{width}}  {r.family:<12} {r.url or '-':<24} {r.state:<10} {r.owner}"
            )

    @replicas.command("down")
    def down(
        family: Annotated[
            str | None, typer.Option(help="Only this family's; default: every replica container.")
        ] = None,
    ) -> None:
        """Remove replica containers (those of `up`, and any a dead process left)."""
        from skillgym.hub_server.replicas import ReplicaError
        from skillgym.hub_server.replicas.docker import (
            DETACHED_OWNER,
            docker_client,
            remove_containers,
            remove_orphans,
        )

        try:
            client = docker_client()
            removed = remove_containers(client, owner=DETACHED_OWNER, family=family)
            removed += remove_orphans(client)
        except ReplicaError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        typer.echo(f"removed {removed} replica container(s)", err=True)

    app.add_typer(replicas, name="replicas")
