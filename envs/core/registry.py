"""The table of environment families and how to make their environments.

A static table, not a registration side effect: adding a family is one line here
(plus its folder and tasks). ``skillgym`` registers each row with Gymnasium as
``skillgym/<Name>-v0``.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gymnasium as gym

from skillgym.errors import EnvNotFoundError

if TYPE_CHECKING:
    from skillgym.envs.core.env import SkillGymEnv


@dataclass(frozen=True)
class FamilySpec:
    """One environment family: its name, Gymnasium id and environment class."""

    name: str
    gym_id: str
    entry_point: str
    description: str


FAMILIES: dict[str, FamilySpec] = {
    spec.name: spec
    for spec in (
        FamilySpec(
            "arithmetic",
            "skillgym/Arithmetic-v0",
            "skillgym.envs.arithmetic:ArithmeticEnv",
            "Seeded arithmetic problems with a calculator tool: the reference family.",
        ),
        FamilySpec(
            "flight",
            "skillgym/Flight-v0",
            "skillgym.envs.flight:FlightEnv",
            "Book, change and cancel flights on a real site in Chromium, verified from its database.",
        ),
        FamilySpec(
            "spreadsheet",
            "skillgym/Spreadsheet-v0",
            "skillgym.envs.spreadsheet:SpreadsheetEnv",
            "Build or repair financial models in .xlsx workbooks, verified by recalculation.",
        ),
        FamilySpec(
            "terminal",
            "skillgym/Terminal-v0",
            "skillgym.envs.terminal:TerminalEnv",
            "Get work done in a shell in a bwrap or docker sandbox, judged by the task's tests.",
        ),
    )
}


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
    """Import and return the environment class of family ``name``."""
    module, _, attr = get_family(name).entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


def make_env(
    family: str, *, task: str | None = None, base_url: str | None = None, **kwargs: Any
) -> gym.Env:
    """An environment of ``family``: in this process, or over HTTP when ``base_url`` is given.

    This is the entry point behind ``gymnasium.make("skillgym/<Name>-v0", ...)``.

    Example:
        >>> env = make_env("arithmetic", task="arithmetic/sum-list")
        >>> type(env).__name__
        'ArithmeticEnv'
    """
    if base_url is not None:
        from skillgym.clients.remote_env import RemoteEnv

        return RemoteEnv(base_url, env=family, task=task, **kwargs)
    return env_class(family)(task=task, **kwargs)


def register_envs() -> None:
    """Register every family with Gymnasium (idempotent)."""
    for spec in FAMILIES.values():
        if spec.gym_id not in gym.registry:
            gym.register(
                id=spec.gym_id,
                entry_point="skillgym.envs.core.registry:make_env",
                kwargs={"family": spec.name},
            )
