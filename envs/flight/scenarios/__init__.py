"""One module per flight task generator; ``generator: cheapest_nonstop`` in a task.yaml means ``cheapest_nonstop.py``.

Each module defines ``build(rng: Random, params: dict) -> Scenario``.
"""

from __future__ import annotations

from random import Random
from typing import Any

from skillgym.envs.core.generators import build_scenario
from skillgym.envs.flight.scenario import Scenario


def generate(name: str, rng: Random, params: dict[str, Any]) -> Scenario:
    """Build one episode's scenario with the generator ``name``.

    Raises:
        TaskFormatError: For a generator there is no module for.
    """
    scenario: Scenario = build_scenario(__name__, "flight", name, rng, params)
    return scenario
