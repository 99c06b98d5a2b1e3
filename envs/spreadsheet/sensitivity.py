"""The input changes verifier 2's sensitivity check applies: every input, drawn per episode.

Verifier 1 moved the few inputs each task listed, the same ones every episode, so an
input it never moved could be typed into the model as a number unseen. Verifier 2
moves every input but those that fix the layout (how many rows a schedule has), in a
few groups drawn from a generator of the episode's own, separate from the one that
made the workbook. Each group is drawn again until every input in it *shows*: holding
that one input at its old value while the rest of the group moves gives outputs the
truth tells apart (by ten times their tolerance). So an input typed into the model as
a number fails the check whichever group it fell in, and the engine recalculates once
per group, not once per input. An input no output depends on (another department's
budget) moves too, and then the outputs must stay put.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from random import Random

from skillgym.envs.spreadsheet.scenario import Move, Output, Scenario

GROUPS = 4
SHOWS_BY = 10.0  # times an output's tolerance that holding one input back must move it
ATTEMPTS = 40
SIGNIFICANT = 4


def round_significant(value: float, digits: int = SIGNIFICANT) -> float:
    """``value`` to ``digits`` significant digits, so a change reads as a person would type it.

    Example:
        >>> round_significant(0.0873456), round_significant(123456.7)
        (0.08735, 123500.0)
    """
    return float(f"{value:.{digits}g}")


def relative_move(rng: Random, value: float) -> float:
    """Up or down by 5-20%; a zero becomes a small positive number."""
    if value == 0:
        return float(rng.randint(1, 9))
    return round_significant(value * (1 + rng.choice((-1, 1)) * rng.uniform(0.05, 0.2)))


def draw_changes(scenario: Scenario, rng: Random, groups: int = GROUPS) -> list[dict[str, float]]:
    """The sensitivity check's changes: every movable input in one of them, each one showing."""
    coverage = scenario.coverage
    if coverage is None:
        raise ValueError("Expects a scenario with a coverage (a build task's verifier 2)")
    inputs = scenario.inputs
    movable = [name for name in inputs if name not in coverage.layout]
    base = scenario.expected()
    shown = {name for name in movable if _shows_alone(scenario, name, base, rng)}
    order = sorted(movable, key=lambda name: (name not in shown, rng.random()))
    count = max(1, min(groups, len(order)))
    plan = [order[i::count] for i in range(count)]
    changes: list[dict[str, float]] = []
    while plan:
        group = plan.pop(0)
        drawn = _draw_group(scenario, group, shown, rng)
        if drawn is None:  # no sensible change of them all at once: one at a time
            plan += [[name] for name in group] if len(group) > 1 else []
            continue
        change, hidden = drawn
        if hidden and len(group) > 1:  # the inputs that hid are drawn on their own
            plan += [[name] for name in hidden]
            change = {k: v for k, v in change.items() if k not in hidden}
        if change:
            changes.append(change)
    return changes


def _move(scenario: Scenario, name: str) -> Move:
    assert scenario.coverage is not None
    return scenario.coverage.moves.get(name, relative_move)


def _shows_alone(
    scenario: Scenario, name: str, base: Mapping[str, list[float]], rng: Random
) -> bool:
    """Whether some move of ``name`` alone changes an output (another department's budget: no)."""
    assert scenario.coverage is not None
    for _ in range(5):
        value = _move(scenario, name)(rng, scenario.inputs[name])
        moved = _sensible_truth(scenario, {name: value})
        if moved is not None and _apart(scenario.outputs, base, moved):
            return True
    return False


def _sensible_truth(scenario: Scenario, change: dict[str, float]) -> dict[str, list[float]] | None:
    """The truth with ``change``, if the inputs it makes are sensible and the truth computes."""
    assert scenario.coverage is not None
    try:
        if not scenario.coverage.valid({**scenario.inputs, **change}):
            return None
        return scenario.expected(change)
    except (ArithmeticError, ValueError):
        return None


def _draw_group(
    scenario: Scenario, group: list[str], shown: set[str], rng: Random
) -> tuple[dict[str, float], list[str]] | None:
    """A change of every input of ``group``, and the inputs of ``shown`` that hid in it.

    The draw with the fewest hidden; None when no draw gave sensible inputs.
    """
    assert scenario.coverage is not None
    best: tuple[dict[str, float], list[str]] | None = None
    for _ in range(ATTEMPTS):
        change = {name: _move(scenario, name)(rng, scenario.inputs[name]) for name in group}
        if any(change[name] == scenario.inputs[name] for name in group):
            continue
        moved = _sensible_truth(scenario, change)
        if moved is None:
            continue
        hidden = [
            name for name in group if name in shown and not _shows(scenario, change, name, moved)
        ]
        if not hidden:
            return change, []
        if best is None or len(hidden) < len(best[1]):
            best = (change, hidden)
    return best


def _shows(
    scenario: Scenario, change: dict[str, float], name: str, moved: Mapping[str, list[float]]
) -> bool:
    """Whether holding ``name`` back from ``change`` gives outputs the truth tells apart."""
    try:
        held_back = scenario.expected({k: v for k, v in change.items() if k != name})
    except (ArithmeticError, ValueError):
        return True  # a model reading the old value would not even compute
    return _apart(scenario.outputs, moved, held_back)


def _apart(
    outputs: list[Output], a: Mapping[str, list[float]], b: Mapping[str, list[float]]
) -> bool:
    """Whether some output cell differs between ``a`` and ``b`` by ten times its tolerance."""
    for output in outputs:
        for x, y in zip(a[output.name], b[output.name], strict=True):
            within = max(output.abs_tol, output.rel_tol * abs(x))
            if not (math.isfinite(x) and math.isfinite(y)) or abs(x - y) > SHOWS_BY * within:
                return True
    return False
