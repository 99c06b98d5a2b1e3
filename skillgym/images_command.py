"""``skillgym images build`` and ``skillgym images list``: the family images, built here."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer


def add_images_command(app: typer.Typer) -> None:
    """Add the ``images`` group (``build``, ``list``) to the command line."""
    images = typer.Typer(
        help="Family images: one Docker image per environment family, built with no registry.",
        no_args_is_help=True,
    )
    app.add_typer(images, name="images")

    @images.command("build")
    def build_command(
        family: Annotated[
            list[str] | None,
            typer.Option("--family", help="Only this family; repeatable (default: every family)."),
        ] = None,
        base: Annotated[
            str | None,
            typer.Option(
                help="Build on this Python 3.11 image, e.g. python:3.11-slim with a registry "
                "(default: the base bootstrapped offline by containers/base/build-base.sh).",
                show_default=False,
            ),
        ] = None,
        quiet: Annotated[bool, typer.Option(help="No status line while building.")] = False,
    ) -> None:
        """Build the family images (idempotent: with no change, every step is cached)."""
        from skillgym.hub_server.replicas.images import ImageError, build_images

        try:
            built = build_images(family or None, base=base, progress=not quiet)
        except ImageError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        for image in built:
            how = "cached" if image.cached else f"{len(image.rebuilt)} step(s) built"
            typer.echo(
                f"{image.tag:<32} {image.size_bytes / 1e6:>7.0f} MB  {image.seconds:6.1f} s  {how}"
            )

    @images.command("list")
    def list_command() -> None:
        """List the family images here: tag, family, size and age."""
        from skillgym.hub_server.replicas.images import ImageError, list_images

        try:
            found = list_images()
        except ImageError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        if not found:
            typer.echo("No family image here: build them with `skillgym images build`.", err=True)
            return
        typer.echo(f"{'TAG':<32} {'FAMILY':<12} {'SIZE':>10}  AGE")
        for image in found:
            typer.echo(
                f"{image.tag:<32} {image.family:<12} {image.size_bytes / 1e6:>7.0f} MB  "
                f"{readable_age(image.age)}"
            )


def readable_age(age: timedelta) -> str:
    """An age as people say it, in its largest whole unit.

    Example:
        >>> readable_age(timedelta(hours=5, minutes=3))
        '5 hours'
    """
    seconds = int(age.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "just now"
