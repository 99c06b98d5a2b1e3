"""The environment families: found through the ``skillgym.families`` entry point group.

A family is a package with an env class (a :class:`~skillgym.envs.core.env.SkillGymEnv`)
that names it in its ``pyproject.toml``::

    [project.entry-points."skillgym.families"]
    weather = "weather_gym.env:WeatherEnv"

SkillGym's own families are registered the same way, so adding one edits no file of
SkillGym. ``skillgym`` registers each family with Gymnasium as ``skillgym/<Name>-v0``.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gymnasium as gym

from skillgym.envs.core.errors import EnvNotFoundError, TaskFormatError

if TYPE_CHECKING:
    from skillgym.envs.core.env import SkillGymEnv

FAMILIES_GROUP = "skillgym.families"
BUILT_IN = {
    "arithmetic": "skillgym.envs.arithmetic:ArithmeticEnv",
    "flight": "skillgym.envs.flight:FlightEnv",
    "spreadsheet": "skillgym.envs.spreadsheet:SpreadsheetEnv",
    "terminal": "skillgym.envs.terminal:TerminalEnv",
}
"""What the entry points of SkillGym's own distribution say; used only when SkillGym
runs from a source folder that was never installed (no entry points to read)."""


@dataclass(frozen=True)
class FamilySpec:
    """One environment family: its name, Gymnasium id and where its env class lives."""

    name: str
    gym_id: str
    entry_point: str
    description: str = ""

    @classmethod
    def named(cls, name: str, entry_point: str) -> FamilySpec:
        """A family from its entry point: ``name`` -> Gymnasium id ``skillgym/<Name>-v0``."""
        camel = "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
        return cls(name, f"skillgym/{camel}-v0", entry_point)


def discover_families() -> dict[str, FamilySpec]:
    """Every family the installed distributions register, SkillGym's own included."""
    from importlib.metadata import entry_points

    found = {point.name: point.value for point in entry_points(group=FAMILIES_GROUP)}
    for name, value in BUILT_IN.items():
        found.setdefault(name, value)
    return {name: FamilySpec.named(name, found[name]) for name in sorted(found)}


FAMILIES: dict[str, FamilySpec] = discover_families()


def get_family(name: str) -> FamilySpec:
    """The family called ``name``.

    Raises:
        EnvNotFoundError: For an unknown name, suggesting the closest.
    """
    if name not in FAMILIES:
        close = difflib.get_close_matches(name, list(FAMILIES), n=1)
        hint = (
            f" Did you mean {close[0]}?"
            if close
            else f" Known families: {', '.join(sorted(FAMILIES))}."
        )
        raise EnvNotFoundError(f"Unknown environment family {name!r}.{hint}")
    return FAMILIES[name]


def env_class(name: str) -> type[SkillGymEnv]:
    """Import and return the environment class of family ``name``.

    Raises:
        EnvNotFoundError: For an unknown family.
        TaskFormatError: For an entry point that does not import or names no env class.
    """
    from skillgym.envs.core.env import SkillGymEnv

    spec = get_family(name)
    module, _, attr = spec.entry_point.partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise TaskFormatError(
            f"Family {name!r}: its entry point {spec.entry_point!r} does not load: {exc}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, SkillGymEnv)):
        raise TaskFormatError(
            f"Family {name!r}: expects {spec.entry_point!r} to be a SkillGymEnv subclass, "
            f"actual value: {cls!r}"
        )
    return cls


def family_description(name: str) -> str:
    """One line on what family ``name`` trains: its class's ``description``, else its docstring's first line."""
    spec = get_family(name)
    if spec.description:
        return spec.description
    cls = env_class(name)
    return cls.description or (cls.__doc__ or "").strip().partition("\n")[0]


def make_local_env(family: str, *, task: str | None = None, **kwargs: Any) -> SkillGymEnv:
    """An environment of ``family`` in this process.

    Example:
        >>> env = make_local_env("arithmetic", task="arithmetic/sum-list")
        >>> type(env).__name__
        'ArithmeticEnv'
    """
    return env_class(family)(task=task, **kwargs)


def register_envs(entry_point: str = "skillgym.envs.core.registry:make_local_env") -> None:
    """Register every family with Gymnasium (idempotent).

    ``skillgym`` registers them with its own ``make_env``, which also serves ``base_url``.
    """
    for spec in FAMILIES.values():
        if spec.gym_id not in gym.registry:
            gym.register(id=spec.gym_id, entry_point=entry_point, kwargs={"family": spec.name})
