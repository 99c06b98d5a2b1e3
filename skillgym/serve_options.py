"""``skillgym serve``: one command-line option per field of the server's settings.

Each field of :class:`~skillgym.hub_server.settings.ServerSettings` becomes an option
named after it (``max_sessions`` -> ``--max-sessions``), typed, described and defaulted
as the field is. Only the options given on the command line are passed on, so for the
rest the field's ``SKILLGYM_*`` variable or its default applies: the options win over
the environment, which wins over the defaults, and the settings class is the one place
that says what a setting is.

Example:
    >>> option_names("idle_timeout_s")
    ('--idle-timeout-s', '--idle-timeout')
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

import typer
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from skillgym.hub_server.settings import ServerSettings

FORMER_NAMES: dict[str, tuple[str, ...]] = {
    "idle_timeout_s": ("--idle-timeout",),
    "api_token": ("--token",),
}
"""Names these options had before they were generated; scripts and the README use them."""
OPTION_TYPES: dict[type, type] = {SecretStr: str}
"""How a field's type is typed on the command line, where the two differ."""


def option_names(field: str) -> tuple[str, ...]:
    """The command-line names of the option that sets ``field``, its own name first."""
    return ("--" + field.replace("_", "-"), *FORMER_NAMES.get(field, ()))


def option_type(field: FieldInfo) -> Any:
    """The type the command line parses the field's option into (``None`` aside)."""
    annotation: Any = field.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [arg for arg in get_args(annotation) if arg is not type(None)]
    return OPTION_TYPES.get(annotation, annotation)


def option_parameter(name: str, field: FieldInfo) -> inspect.Parameter:
    """The ``serve`` parameter of one field: its option, with the field's default."""
    kind = option_type(field)
    names = option_names(name)
    if kind is bool:  # a switch both ways, so a command line can undo the variable
        names = (f"{names[0]}/--no-{names[0].removeprefix('--')}", *names[1:])
    default = field.get_default(call_default_factory=True)
    each = get_args(kind)[0] if get_origin(kind) is list else None  # a repeatable option
    option = typer.Option(
        *names,
        help=f"{field.description} (env var: {ServerSettings.variable(name)})",
        metavar=f"<{each.__name__.lower()}>" if each else None,
    )
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[kind if default is not None else kind | None, option],
    )


def _from_command_line(ctx: typer.Context, name: str) -> bool:
    # by name: typer may bring its own copy of click, and with it its own enum
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def serve_command() -> Callable[..., None]:
    """The ``serve`` command: settings from the options given and the environment, then serve."""

    def serve(ctx: typer.Context, **options: Any) -> None:
        # Only what the command line said: the settings read the environment themselves.
        given = {
            name: value
            for name, value in options.items()
            if _from_command_line(ctx, name) and value not in ("", [], ())
        }
        try:
            settings = ServerSettings(**given)
        except ValidationError as exc:
            names = {name: "/".join(option_names(name)) for name in given}
            raise typer.BadParameter(ServerSettings.explain(exc, names)) from None
        from skillgym.hub_server.runner import serve as run_server  # uvicorn: only to serve

        run_server(settings)

    context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [context]
        + [option_parameter(name, field) for name, field in ServerSettings.model_fields.items()]
    )
    serve.__doc__ = "Serve every environment family over HTTP and WebSocket."
    return serve
