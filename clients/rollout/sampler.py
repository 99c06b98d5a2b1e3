"""Which task version and seed each group plays: a seeded, reproducible sampler.

Group ``i`` of a run draws from a random generator seeded with ``(seed, i)``, so a
run is reproducible and a resumed run plans the same groups. ``uniform`` goes round
the tasks in order; ``pass_rate`` weights each task by ``p * (1 - p)`` of its running
pass rate (a Beta(1, 1) prior, so an unseen task counts as 0.5): tasks the policy
sometimes solves carry the most signal for GRPO, those it always or never solves
the least (never nothing: every weight has a floor).

Example:
    >>> tasks = [TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")]
    >>> sampler = TaskSampler(tasks, seed=0)
    >>> sampler.draw(3) == TaskSampler(tasks, seed=0).draw(3)
    True
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Weighting = Literal["uniform", "pass_rate"]
WEIGHT_FLOOR = 0.02
SEED_RANGE = 1_000_000


@dataclass(frozen=True)
class TaskRef:
    """One task version a run can play."""

    family: str
    task: str
    """``family/name``."""
    version: str

    @property
    def task_id(self) -> str:
        """``family/name@version``."""
        return f"{self.task}@{self.version}"


@dataclass(frozen=True)
class Draw:
    """What group ``index`` plays."""

    index: int
    task: TaskRef
    seed: int


class TaskSampler:
    """Draws each group's task and seed; learns pass rates from finished groups."""

    def __init__(
        self,
        tasks: Sequence[TaskRef],
        *,
        seed: int = 0,
        weighting: Weighting = "uniform",
        seeds: Sequence[int] | None = None,
    ) -> None:
        """Plan draws over ``tasks``.

        Args:
            tasks: The task versions to draw from (at least one).
            seed: Seeds the draws; the same seed plans the same run.
            weighting: ``uniform`` (round the tasks in order) or ``pass_rate``.
            seeds: Environment seeds to draw from (e.g. a suite's); default: any in
                ``[0, 1_000_000)``.
        """
        if not tasks:
            raise ValueError("Expects at least one task to sample from, actual value: []")
        if weighting not in ("uniform", "pass_rate"):
            raise ValueError(
                f'Expects weighting "uniform" or "pass_rate", actual value: {weighting!r}'
            )
        self.tasks = list(tasks)
        self.seed = seed
        self.weighting = weighting
        self.seeds = list(seeds) if seeds is not None else None
        self.passed: dict[str, int] = {t.task_id: 0 for t in self.tasks}
        self.played: dict[str, int] = {t.task_id: 0 for t in self.tasks}

    def draw(self, index: int) -> Draw:
        """The task and seed of group ``index``."""
        rng = random.Random(f"{self.seed}:{index}")
        if self.weighting == "uniform":
            task = self.tasks[index % len(self.tasks)]
        else:
            task = rng.choices(self.tasks, weights=[self.weight(t) for t in self.tasks])[0]
        env_seed = rng.choice(self.seeds) if self.seeds else rng.randrange(SEED_RANGE)
        return Draw(index, task, env_seed)

    def pass_rate(self, task: TaskRef) -> float:
        """The running pass rate, with one pass and one failure of prior."""
        return (self.passed[task.task_id] + 1) / (self.played[task.task_id] + 2)

    def weight(self, task: TaskRef) -> float:
        """``p * (1 - p)`` of the pass rate, at least :data:`WEIGHT_FLOOR`."""
        p = self.pass_rate(task)
        return max(p * (1 - p), WEIGHT_FLOOR)

    def observe(self, task_id: str, successes: Sequence[bool]) -> None:
        """Count a finished group's verdicts (its completed rollouts) towards the pass rate."""
        if task_id in self.played:
            self.played[task_id] += len(successes)
            self.passed[task_id] += sum(successes)
