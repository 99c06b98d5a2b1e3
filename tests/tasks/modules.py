"""A task's own modules (``generate.py`` and its siblings), imported as the family imports them."""

from __future__ import annotations

import importlib
from types import ModuleType

from skillgym.envs.core.generators import load_generator
from skillgym.envs.core.tasks import TaskCatalog

CATALOG = TaskCatalog.load()


def task_module(ref: str, name: str = "generate") -> ModuleType:
    """Module ``name`` of the task folder of ``ref`` (its newest version without ``@``)."""
    module = load_generator(CATALOG.resolve(ref)).module
    return module if name == "generate" else importlib.import_module(f"{module.__package__}.{name}")
