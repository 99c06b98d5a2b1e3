"""What ``skillgym eval`` and ``skillgym leaderboard`` print (rich, on a terminal)."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillgym.clients.rollout.evaluation import EvalResult
from skillgym.clients.rollout.trajectory import Rollout, Status
from skillgym.envs.core.protocol import LeaderboardEntry, LeaderboardPublic, RunPublic, RunSlot

_err = Console(file=sys.stderr)
_out = Console()


class EvalProgress:
    """Slots played of the run, mean reward so far and failures, as episodes end."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]eval"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} episodes"),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            console=_err,
            disable=not enabled,
        )
        self._task = self._progress.add_task("eval", total=None, stats="")
        self._rewards: list[float] = []
        self._failed = 0

    def start(self, run: RunPublic, to_play: int) -> None:
        """The run is known: size the bar (slots recorded earlier count as done)."""
        done = len(run.slots) - to_play
        self._progress.update(self._task, total=len(run.slots), completed=done)

    def update(self, slot: RunSlot, rollout: Rollout) -> None:
        """One slot's episode ended."""
        if rollout.status is Status.COMPLETED and rollout.reward is not None:
            self._rewards.append(rollout.reward)
        else:
            self._failed += 1
        mean = sum(self._rewards) / len(self._rewards) if self._rewards else 0.0
        self._progress.update(
            self._task, advance=1, stats=f"reward {mean:.3f}  failed {self._failed}"
        )

    def __enter__(self) -> EvalProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()


def _interval(entry_mean: float, low: float, high: float) -> str:
    return f"{entry_mean:.3f} ({low:.3f}-{high:.3f})"


def print_run(result: EvalResult, hub: str) -> None:
    """The finished run: its score, what was played, and where its page is."""
    run = result.run
    score = run.score
    if result.resumed:
        _err.print(f"resumed run {run.id}: {result.resumed} slot(s) were already recorded")
    for reason in result.failed[:10]:
        _err.print(f"[yellow]unplayed[/] {reason}")
    if score is not None:
        families = ", ".join(f"{f} {v:.3f}" for f, v in score.family_scores.items())
        _out.print(
            f"run {run.id} ({run.status}): mean {_interval(score.mean, score.ci_low, score.ci_high)}"
            f" over {score.episodes} episodes, success {score.success_rate:.0%}; {families}"
        )
    _out.print(f"page: {hub.rstrip('/')}/runs/{run.id}")


def _row(entry: LeaderboardEntry) -> list[str]:
    s = entry.score
    return [
        str(entry.rank) if entry.rank is not None else "-",
        f"{entry.policy.name} {entry.policy.version}",
        _interval(s.mean, s.ci_low, s.ci_high),
        f"{s.success_rate:.0%}",
        str(s.episodes),
        "reference" if entry.reference else ("verified" if entry.verified else "unverified"),
        (entry.finished_at or "")[:10],
    ]


def print_leaderboard(board: LeaderboardPublic, hub: str) -> None:
    """The suite's ranking, then references and unverified uploads apart."""
    if board.suite is None:
        _out.print(f"No finished runs on {hub} yet: `skillgym eval --suite core-v1 ...` adds one.")
        return
    sections = (
        (f"{board.suite}: verified, ranked", board.entries),
        ("reference runs (seeds known to the player), not ranked", board.references),
        ("unverified uploads, not ranked", board.unverified),
    )
    for title, entries in sections:
        if not entries:
            continue
        table = Table(title=title, title_justify="left")
        for column in ("#", "policy", "mean (95% CI)", "success", "episodes", "", "date"):
            table.add_column(column, justify="right" if column in ("#", "episodes") else "left")
        for entry in entries:
            table.add_row(*_row(entry))
        _out.print(table)
    others = [s for s in board.suites if s != board.suite]
    if others:
        _out.print(f"other suites: {', '.join(others)} (--suite)")
    _out.print(f"page: {hub.rstrip('/')}/?suite={board.suite}")
