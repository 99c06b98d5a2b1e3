"""How much of the spreadsheet engine one workbook may use.

Every workbook of a process shares its few LibreOffice engines, and an engine does one
request at a time (taken in turn, ``engine.FairLock``): a workbook that makes it
calculate for a minute makes every other episode wait a minute. So each workbook's work
is bounded four ways. The first two refuse a change and the episode goes on; the last
two end the episode, truncated and verified on the workbook as it was before the call
that went past them:

1. ``formula_reads``: the cells its formulas may read in all, estimated from their text
   before a write is sent (``formula_cost.py``). A write past it is refused with the
   formula's cost and the limit.
2. ``recalc_seconds``: how long recalculating the whole workbook may take. Each change
   calculates everything it touches before it answers, and that time is measured, so a
   full recalculation takes at most the last one measured plus what the changes since
   spent; when that sum passes the limit the engine recalculates in full to measure it,
   and a change that leaves it past the limit is undone and refused. This also bounds
   each call of the verification (a sensitivity case recalculates twice).
3. ``call_seconds``: one engine call. A call past it is stopped (the engine is
   restarted, and every workbook on it is reopened from its own journal of changes,
   which holds only changes that finished within the limits).
4. ``episode_seconds``: the engine time of the whole episode; once spent, the next
   change ends it.

Measured with LibreOffice 25.2 on the shipped tasks' oracles (see the README's
spreadsheet section): formulas reading at most 3,000 cells in all, a full recalculation
under 0.01 s, no call over 0.3 s and under 2 s of engine time per episode, verification
included, on a busy 2-core machine; each limit leaves a margin of 25x or more. Each is a
setting of the engine (``settings.EngineSettings``): ``SKILLGYM_CALC_<NAME>``, e.g.
``SKILLGYM_CALC_CALL_SECONDS=10``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkLimits:
    """Bounds on one workbook's use of the engine (see the module doc).

    Example:
        >>> WorkLimits(call_seconds=5.0).call_seconds
        5.0
    """

    formula_reads: int = 5_000_000
    recalc_seconds: float = 0.5
    call_seconds: float = 5.0
    episode_seconds: float = 60.0

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if not value > 0:
                raise ValueError(f"Expects {item.name} > 0, actual value: {value!r}")

    @classmethod
    def from_environment(cls) -> WorkLimits:
        """The bounds the engine's settings give now: ``$SKILLGYM_CALC_<NAME>``, else the defaults."""
        # imported here: the settings take their defaults from this class
        from skillgym.envs.spreadsheet.settings import EngineSettings

        return EngineSettings.from_environment().work_limits()
