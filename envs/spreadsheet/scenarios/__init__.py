"""One module per spreadsheet task generator; ``generator: dcf`` in a task.yaml means ``dcf.py``.

Each module defines ``build(rng: Random, params: dict) -> Scenario``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from random import Random
from typing import Any

from skillgym.envs.spreadsheet.scenario import Scenario
from skillgym.errors import TaskFormatError

GENERATOR = re.compile(r"^[a-z][a-z0-9_]*$")


def generators() -> list[str]:
    """The generator names there are modules for."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def generate(name: str, rng: Random, params: dict[str, Any]) -> Scenario:
    """Build one episode's scenario with the generator ``name``.

    Raises:
        TaskFormatError: For a generator there is no module for.
    """
    if not GENERATOR.match(name) or name not in generators():
        raise TaskFormatError(
            f"Unknown spreadsheet generator {name!r}; expects one of: {', '.join(generators())}."
        )
    module = importlib.import_module(f"{__name__}.{name}")
    scenario: Scenario = module.build(rng, dict(params))
    return scenario
