"""Settings: the typed classes that read SkillGym's ``SKILLGYM_*`` environment variables.

Each component has one class: the server (``hub_server.settings``), the task catalogue
(here), the spreadsheet engine, the terminal sandbox and the browser (each in its
family's ``settings.py``). A component reads its class when it starts, not when it is
imported, so a variable set later in the process still counts. An empty variable counts
as unset. ``docs/settings.md`` lists every variable, its default and its meaning.

Example:
    >>> import os
    >>> os.environ["SKILLGYM_TASKS_DIR"] = "/srv/tasks"
    >>> CatalogSettings.from_environment().tasks_dir
    [PosixPath('/srv/tasks')]
    >>> del os.environ["SKILLGYM_TASKS_DIR"]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from skillgym.envs.core.errors import SkillGymError

ENV_PREFIX = "SKILLGYM_"
EXPECTED_BY_ERROR = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false (1 or 0)",
    "bool_type": "true or false (1 or 0)",
    "greater_than": "greater than {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "less than {lt}",
    "less_than_equal": "at most {le}",
    "literal_error": "one of {expected}",
}
"""What a setting expects, by the type of pydantic's error, for messages in SkillGym's words."""


class SettingsError(SkillGymError, ValueError):
    """A ``SKILLGYM_*`` variable holds a value its setting cannot take."""

    code = "settings_error"


class SkillGymSettings(BaseSettings):
    """The base of every component's settings: ``SKILLGYM_<FIELD>`` sets each field.

    Example:
        >>> CatalogSettings.variable("tasks_dir")
        'SKILLGYM_TASKS_DIR'
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="forbid")

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable that sets ``field``."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def from_environment(cls) -> Self:
        """The settings as the environment sets them now, defaults for the rest.

        Raises:
            SettingsError: A variable holds a value its setting cannot take; the
                message names the variable, what it expects and what it holds.
        """
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(cls.explain(exc)) from None

    @classmethod
    def explain(cls, exc: ValidationError, names: Mapping[str, str] | None = None) -> str:
        """One sentence per error of ``exc``, naming where the value came from.

        Args:
            exc: The error of building these settings.
            names: How a field was given when not by its variable, e.g.
                ``{"max_sessions": "--max-sessions"}``.
        """
        return "; ".join(_sentence(cls, error, names or {}) for error in exc.errors())


def _sentence(cls: type[SkillGymSettings], error: ErrorDetails, names: Mapping[str, str]) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a check across fields says in full what it wants
        return message
    field = str(error["loc"][0])
    where = names.get(field) or f"${cls.variable(field)}"
    template = EXPECTED_BY_ERROR.get(error["type"])
    limits = {
        key: int(value) if isinstance(value, float) and value.is_integer() else value
        for key, value in error.get("ctx", {}).items()
    }  # "greater than 0", not "0.0", for a float setting
    expected = template.format(**limits) if template else message
    return f"Expects {where} to be {expected}, actual value: {error['input']!r}"


class CatalogSettings(SkillGymSettings):
    """Where the task catalogue comes from, beside the installed task packs.

    Example:
        >>> CatalogSettings(tasks_dir="my-tasks:more-tasks").tasks_dir
        [PosixPath('my-tasks'), PosixPath('more-tasks')]
    """

    tasks_dir: Annotated[list[Path] | None, NoDecode] = Field(
        default=None,
        description="Tasks folders, separated by ':', loaded after the installed task packs "
        "(the bundled tasks are one).",
    )

    @field_validator("tasks_dir", mode="before")
    @classmethod
    def _folders_in_a_path_list(cls, value: Any) -> Any:
        if isinstance(value, str | Path):
            value = [value]
        if isinstance(value, list | tuple):  # each item may be a list too ("a:b")
            return [part for item in value for part in str(item).split(os.pathsep) if part] or None
        return value
