"""The rollout's progress bar and its summary table (on stderr, with rich)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillgym.clients.rollout.runner import RolloutConfig, RolloutSummary
from skillgym.clients.rollout.trajectory import Group

_console = Console(file=sys.stderr)


class RolloutProgress:
    """Episodes and groups done, mean reward, errors and throughput, as groups land."""

    def __init__(self, config: RolloutConfig, *, enabled: bool = True) -> None:
        self.config = config
        self._progress = Progress(
            TextColumn("[bold]rollout"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} episodes"),
            TextColumn("{task.fields[groups]}"),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            console=_console,
            disable=not enabled,
        )
        self._task = self._progress.add_task(
            "rollout",
            total=config.groups * config.group_size,
            groups=f"0/{config.groups} groups",
            stats="",
        )

    def update(self, group: Group, summary: RolloutSummary) -> None:
        """A group landed: move the bar and refresh the figures."""
        errors = summary.rollouts - summary.statuses.get("completed", 0)
        reward = "-" if summary.mean_reward is None else f"{summary.mean_reward:.3f}"
        self._progress.update(
            self._task,
            completed=summary.rollouts,
            groups=f"{summary.groups_written + summary.groups_resumed}/{self.config.groups} groups",
            stats=f"reward {reward}  errors {errors}  {summary.episodes_per_s:.2f} ep/s",
        )

    def __enter__(self) -> RolloutProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()


def print_summary(summary: RolloutSummary, out: Path | None) -> None:
    """The end-of-run table: per task, then the totals and where the output is."""
    table = Table(title="rollout summary", title_justify="left")
    table.add_column("task")
    table.add_column("rollouts", justify="right")
    table.add_column("mean reward", justify="right")
    for task, figures in summary.per_task.items():
        table.add_row(task, str(int(figures["rollouts"])), f"{figures['mean_reward']:.3f}")
    _console.print(table)
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items())) or "none"
    reward = "-" if summary.mean_reward is None else f"{summary.mean_reward:.3f}"
    success = "-" if summary.success_rate is None else f"{summary.success_rate:.0%}"
    _console.print(
        f"{summary.rollouts} rollouts ({statuses}); mean reward {reward}, success {success}; "
        f"{summary.groups_written} groups written, {summary.groups_resumed} resumed, "
        f"{summary.groups_dropped} dropped (equal rewards); {summary.retries} retries, "
        f"{summary.cancelled_extras} extras cancelled; {summary.seconds:.1f} s, "
        f"{summary.episodes_per_s:.2f} episodes/s"
    )
    if out is not None:
        _console.print(f"trajectories: {out}")
