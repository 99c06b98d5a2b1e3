"""Task generators by name: ``generator: dcf`` in a task.yaml names a module of a family's package.

Each family keeps its generators as modules of one package (``scenarios/``), each
defining ``build(rng: Random, params: dict)``; :func:`build_scenario` finds and calls one.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from random import Random
from typing import Any

from skillgym.errors import TaskFormatError

GENERATOR = re.compile(r"^[a-z][a-z0-9_]*$")


def generator_names(package: str) -> list[str]:
    """The generator modules of ``package`` (an imported package's name)."""
    path = importlib.import_module(package).__path__
    return sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))


def build_scenario(
    package: str, family: str, name: str, rng: Random, params: dict[str, Any]
) -> Any:
    """Call ``build`` of the generator ``name`` in ``package``.

    Raises:
        TaskFormatError: For a generator there is no module for.
    """
    names = generator_names(package)
    if not GENERATOR.match(name) or name not in names:
        raise TaskFormatError(
            f"Unknown {family} generator {name!r}; expects one of: {', '.join(names)}."
        )
    return importlib.import_module(f"{package}.{name}").build(rng, dict(params))
