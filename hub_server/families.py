"""The environment families one server runs: every installed one, or those it is told.

A family image's server runs its own family only (``SKILLGYM_FAMILIES=flight``): it
lists that one at ``GET /v1/envs`` and refuses sessions of the others, which it may not
even have the system packages for.
"""

from __future__ import annotations

from skillgym.envs.core.errors import EnvNotFoundError
from skillgym.envs.core.registry import FAMILIES, FamilySpec, get_family
from skillgym.hub_server.settings import ServerSettings


def served_families(settings: ServerSettings) -> list[str]:
    """The names of the families ``settings`` runs, sorted.

    Raises:
        EnvNotFoundError: If ``settings.families`` names a family nobody installed.
    """
    for name in settings.families or ():
        get_family(name)
    return [name for name in sorted(FAMILIES) if settings.serves(name)]


def served_family(settings: ServerSettings, name: str) -> FamilySpec:
    """The family ``name``, if this server runs it.

    Raises:
        EnvNotFoundError: For an unknown name, or one this server does not run (404).
    """
    spec = get_family(name)
    if not settings.serves(name):
        raise EnvNotFoundError(
            f"This server runs only the {', '.join(settings.families or ())} family; "
            f"{name!r} is served by another server of the hub (see its GET /v1/envs)."
        )
    return spec
