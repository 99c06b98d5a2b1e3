"""The formula engine: persistent headless LibreOffice workers, and workbooks on them.

Why LibreOffice: it is the widest real implementation of the spreadsheet function
set financial models use (XNPV, XIRR, IPMT, XLOOKUP from 24.8 on, EOMONTH, YEARFRAC...),
it runs as a separate process (MPL-2.0, nothing copyleft linked into SkillGym), and
kept running it answers a write plus recalculated values in milliseconds, where
starting it per file costs over a second. Pure-Python engines were weighed and
rejected: ``formulas`` (EUPL) is slow to load and wrong on positive IPMT, ``pycel``
(GPL) lacks IRR and PMT. See the README's spreadsheet section for the figures.

A :class:`CalcEngine` is one worker process (``calc_worker.py`` under the Python that
has ``uno``) owning one ``soffice.bin``. A :class:`Workbook` is one open document on an
engine; it journals every change it makes, so when an engine dies the workbook is
reopened on a restarted engine and replayed: a crash costs a retry, not the episode.

An engine does one request at a time for every workbook on it, so each workbook's work
is bounded (``work_limits.py``): the changes an agent asks for are refused past what
their formulas may read or what their recalculation may take, and a call that runs past
its time is stopped, the workbook put back as it was before that call, and
:class:`WorkLimitExceeded` raised for the episode to end. A journal holds only changes
that finished within the limits, so a replay never runs the stopped work again.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skillgym.envs.core.errors import EngineError
from skillgym.envs.spreadsheet.addresses import AddressError, Area, parse_area
from skillgym.envs.spreadsheet.formula_cost import (
    FormulaCost,
    FormulaLedger,
    UsedArea,
    formula_cost,
)
from skillgym.envs.spreadsheet.settings import EngineSettings
from skillgym.envs.spreadsheet.work_limits import WorkLimits

logger = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("calc_worker.py")
UNO_PYTHON_CANDIDATES = ("/usr/bin/python3", "/usr/local/bin/python3")
OPEN_SECONDS = 30.0
"""Time to open a workbook: the file's own (SkillGym's generated one, or a copy of a
workbook already within the limits) and, on a freshly started engine, Calc's loading."""
MUTATING_OPS = frozenset(
    {"write", "insert_rows", "delete_rows", "add_sheet", "define_name", "set_number_format"}
)
INSTALL_HINT = (
    "The spreadsheet family needs LibreOffice 24.8 or newer with its Python bridge "
    "(Debian: apt install libreoffice-calc-nogui python3-uno; on Debian 12 from "
    "bookworm-backports). `make setup` installs them."
)


class EngineCrashed(EngineError):
    """The worker or its LibreOffice died, or did not answer in time."""


class EngineTimedOut(EngineCrashed):
    """A request ran past its time; the engine was stopped (the next call restarts it)."""


class RequestNotSent(EngineCrashed):
    """The engine was restarted before the request went out: its document is gone, nothing was done."""


class ChangeLost(EngineError):
    """A change crashed the engine; the workbook was restored to before it."""


class WorkLimitExceeded(EngineError):
    """A workbook's call ran past its time, or its episode's engine time ran out.

    The workbook is as it was before the call; the episode cannot go on (the
    environment ends it, truncated, and verifies what stands).
    """


class EngineRequestError(Exception):
    """The engine refused one request (a bad address, an unknown sheet); it is still alive."""


class WorkRefused(EngineRequestError):
    """A change refused for the work it would cost; the workbook is as it was before it."""


@dataclass(frozen=True)
class WriteCost:
    """One entry of a write and what each of its cells reads per calculation."""

    target: str
    content: str
    area: Area
    cost: FormulaCost


@dataclass(frozen=True)
class Answer:
    """One request's result and its cost.

    ``seconds``: the engine's time for it (waiting for the engine not included);
    ``calc_seconds``: the part LibreOffice spent calculating formulas.
    """

    result: Any
    seconds: float
    calc_seconds: float


class FairLock:
    """A lock granted in the order it was asked for.

    ``threading.Lock`` lets a thread that releases it take it straight back, so one
    workbook making call after call (its verification) could keep the engine from a
    workbook waiting for a single call. Here each waits for its turn.
    """

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()

    def __enter__(self) -> None:
        with self._turns:
            ticket = self._next_ticket
            self._next_ticket += 1
            try:
                while ticket != self._serving:
                    self._turns.wait()
            except BaseException:  # interrupted while waiting: give the turn up
                if ticket == self._serving:
                    self._advance()
                else:
                    self._abandoned.add(ticket)
                raise

    def __exit__(self, *_exc: object) -> None:
        with self._turns:
            self._advance()

    def _advance(self) -> None:
        self._serving += 1
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._turns.notify_all()


def worker_environment() -> dict[str, str]:
    """The engine worker's environment: this process's, less its virtualenv.

    LibreOffice's embedded Python finds ``python3`` on ``PATH``; finding a virtualenv's,
    it takes the virtualenv for its home and the engine's macro fails to load
    (``std::bad_alloc``). So does an activated venv on a laptop, and the family image's.
    """
    environment = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")
    }
    if sys.prefix != sys.base_prefix:
        venv_bin = os.path.realpath(os.path.join(sys.prefix, "bin"))
        environment["PATH"] = os.pathsep.join(
            part
            for part in environment.get("PATH", "").split(os.pathsep)
            if part and os.path.realpath(part) != venv_bin
        )
    return environment


def uno_python() -> str:
    """The interpreter that can ``import uno``: ``$SKILLGYM_UNO_PYTHON`` or the system's."""
    chosen = EngineSettings.from_environment().uno_python
    candidates = (chosen,) if chosen else UNO_PYTHON_CANDIDATES
    for candidate in candidates:
        if candidate and shutil.which(candidate):
            return candidate
    raise EngineError(f"No Python interpreter with LibreOffice's uno module found. {INSTALL_HINT}")


class CalcEngine:
    """One worker process and its LibreOffice, called one request at a time.

    Example:
        >>> engine = CalcEngine()  # doctest: +SKIP
        >>> engine.call("ping")  # doctest: +SKIP
        {'pid': 12345}
    """

    def __init__(self, *, start_timeout: float = 90.0, call_timeout: float = 20.0) -> None:
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.generation = 0
        self.open_documents = 0
        self._lock = FairLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._next_id = 0

    @property
    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self._process is not None and self._process.poll() is None

    def call(self, op: str, *, generation: int | None = None, **arguments: Any) -> Any:
        """Send one request and return its result (:meth:`answer` says more)."""
        return self.answer(op, generation=generation, **arguments).result

    def answer(
        self,
        op: str,
        *,
        generation: int | None = None,
        timeout: float | None = None,
        **arguments: Any,
    ) -> Answer:
        """Send one request; its result and the engine time it took.

        ``generation`` says which start of the engine the request's document lives in;
        if the engine has been restarted since, the document is gone and the call
        raises :class:`RequestNotSent` instead of sending it. ``timeout`` (default
        ``call_timeout``) bounds the request once sent, not the wait for the engine.

        Raises:
            EngineRequestError: The engine refused the request and is still usable.
            EngineTimedOut: No answer in time: the engine is killed (the next call restarts it).
            EngineCrashed: The worker died (it is killed; the next call restarts it).
        """
        limit = self.call_timeout if timeout is None else timeout
        with self._lock:
            if not self.alive:
                self._start()
            if generation is not None and generation != self.generation:
                raise RequestNotSent(
                    f"The spreadsheet engine was restarted; {op!r} must be replayed."
                )
            assert self._process is not None and self._process.stdin is not None
            self._next_id += 1
            request = json.dumps({"id": self._next_id, "op": op, **arguments}) + "\n"
            started = time.monotonic()
            try:
                self._process.stdin.write(request.encode())
                self._process.stdin.flush()
                reply = json.loads(self._read_line(limit))
            except EngineTimedOut:
                self._kill()
                raise EngineTimedOut(
                    f"The spreadsheet engine did not finish {op!r} within {limit:g} s "
                    "and was stopped."
                ) from None
            except (OSError, ValueError, EngineCrashed) as exc:
                self._kill()
                raise EngineCrashed(f"The spreadsheet engine failed during {op!r}: {exc}") from None
            seconds = time.monotonic() - started
        if "error" in reply:
            raise EngineRequestError(reply["error"]["message"])
        return Answer(reply["ok"], seconds, float(reply.get("calc_seconds", 0.0)))

    def close(self) -> None:
        """Stop the worker (and with it LibreOffice)."""
        with self._lock:
            self._kill()

    def _start(self) -> None:
        python = uno_python()
        self._buffer = b""
        self._process = subprocess.Popen(
            [python, str(WORKER), EngineSettings.from_environment().soffice],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in a terminal is the server's to handle
            env=worker_environment(),
        )
        try:
            ready = json.loads(self._read_line(self.start_timeout))
        except (EngineCrashed, ValueError) as exc:
            self._kill()
            raise EngineError(
                f"The spreadsheet engine did not start: {exc}. {INSTALL_HINT}"
            ) from None
        if not ready.get("ready"):
            self._kill()
            raise EngineError(f"The spreadsheet engine did not start: {ready}. {INSTALL_HINT}")
        self.generation += 1

    def _read_line(self, timeout: float) -> bytes:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EngineTimedOut(f"no answer within {timeout:g} s")
            readable, _, _ = select.select([fd], [], [], remaining)
            if readable:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise EngineCrashed(f"the worker exited (code {self._process.poll()})")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


class EnginePool:
    """A few engines shared by every workbook of this process; each workbook uses one."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"Expects at least one engine, actual value: {size}")
        self.engines = [CalcEngine() for _ in range(size)]
        self._lock = threading.Lock()

    def acquire(self) -> CalcEngine:
        """The engine holding the fewest open workbooks."""
        with self._lock:
            engine = min(self.engines, key=lambda e: e.open_documents)
            engine.open_documents += 1
            return engine

    def release(self, engine: CalcEngine) -> None:
        """A workbook on ``engine`` was closed."""
        with self._lock:
            engine.open_documents = max(0, engine.open_documents - 1)

    def close(self) -> None:
        """Stop every engine."""
        for engine in self.engines:
            engine.close()


@functools.cache
def shared_pool() -> EnginePool:
    """The process's pool: ``$SKILLGYM_CALC_ENGINES`` engines (default 1), stopped at exit."""
    size = EngineSettings.from_environment().calc_engines
    pool = EnginePool(size)
    atexit.register(pool.close)
    return pool


@functools.cache
def quarantine_pool() -> EnginePool:
    """One engine, started when first used, for the sessions that went past a time limit.

    A session whose episode was stopped for its engine time opens its next workbooks
    here: should it do that again, it holds up only the others that did too.
    """
    pool = EnginePool(1)
    atexit.register(pool.close)
    return pool


class Workbook:
    """One open document: the episode's workbook, kept alive across engine crashes.

    Every call is bounded by ``limits.call_seconds``; :meth:`change` (what the
    episode's agent asks for) is bounded by the other limits too (``work_limits.py``).
    """

    def __init__(
        self, data: bytes, *, pool: EnginePool | None = None, limits: WorkLimits | None = None
    ) -> None:
        self._pool = pool or shared_pool()
        self.limits = limits or WorkLimits.from_environment()
        self._folder = Path(tempfile.mkdtemp(prefix="skillgym-workbook-"))
        self._source = self._folder / "source.xlsx"
        self._source.write_bytes(data)
        self._journal: list[tuple[str, dict[str, Any]]] = []
        self.ledger = FormulaLedger()
        self.engine_seconds = 0.0
        """Engine time of this workbook's calls (waiting for the engine not included)."""
        self.recalc_bound = 0.0
        """At least the seconds a full recalculation takes: one measured, plus what every
        change since spent calculating (a change calculates all it touches)."""
        self._names: dict[str, str] | None = None
        self._used: dict[str, Area] | None = None
        self._engine = self._pool.acquire()
        self._doc: int | None = None
        self._generation = -1
        self._closed = False
        self.restarts = 0
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def call(self, op: str, **arguments: Any) -> Any:
        """Run one engine op on this workbook; a crashed engine is restarted and replayed.

        A read is then tried again, and so is a change the dead engine never received. A
        change it did receive is not: the crash may have been its doing
        (a formula the engine could not finish), so :class:`ChangeLost` says the
        workbook is back as it was before the call.

        Raises:
            WorkLimitExceeded: The call ran past ``limits.call_seconds`` (a read: twice);
                it was stopped and the workbook is as it was before it.
        """
        return self._run(op, arguments, bounded=False)

    def change(self, op: str, **arguments: Any) -> Any:
        """Run an op the episode's agent asked for, within the workbook's budgets.

        A read runs as with :meth:`call`. A change runs only while the episode has engine
        time left (``limits.episode_seconds``); it is refused when its formulas would
        take what the workbook's formulas read past ``limits.formula_reads``, or when,
        with it, recalculating the workbook takes longer than ``limits.recalc_seconds``
        (it is undone).

        Raises:
            WorkRefused: The change was refused; the workbook is as it was before it.
            WorkLimitExceeded: The episode's engine time is spent, or the call ran too long.
        """
        if op not in MUTATING_OPS:
            return self.call(op, **arguments)
        if self.engine_seconds >= self.limits.episode_seconds:
            raise WorkLimitExceeded(
                f"This episode has used {self.engine_seconds:.0f} s of spreadsheet engine time, "
                f"the most one episode may use ({self.limits.episode_seconds:g} s), so it "
                f"cannot {op} any more; the episode ends here."
            )
        costs = None
        if op == "write":
            costs = self._check_formula_reads(arguments["sheet"], arguments["cells"])
        return self._run(op, arguments, bounded=True, costs=costs)

    def save(self, path: Path) -> None:
        """Write the workbook as ``.xlsx``."""
        self.call("save", path=str(path))

    def to_bytes(self) -> bytes:
        """The workbook as ``.xlsx`` bytes."""
        target = self._folder / "current.xlsx"
        self.save(target)
        return target.read_bytes()

    def close(self) -> None:
        """Close the document and remove its files; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._close_document()
        self._pool.release(self._engine)
        shutil.rmtree(self._folder, ignore_errors=True)

    # ---- running ops ------------------------------------------------------------
    def _run(
        self,
        op: str,
        arguments: dict[str, Any],
        *,
        bounded: bool,
        costs: list[WriteCost] | None = None,
    ) -> Any:
        answer = self._send(op, arguments)
        if op not in MUTATING_OPS:
            if op == "recalculate":
                self.recalc_bound = answer.calc_seconds
            return answer.result
        self.recalc_bound += answer.calc_seconds
        if bounded and self.recalc_bound > self.limits.recalc_seconds:
            measured = self._send("recalculate", {}).calc_seconds
            self.recalc_bound = measured
            if measured > self.limits.recalc_seconds:
                self._close_document()
                self._rebuild()  # the journal does not hold the change: as before it
                raise WorkRefused(
                    f"Refused {op}: with it, recalculating this workbook takes {measured:.1f} s "
                    f"of engine time, and a workbook may take at most "
                    f"{self.limits.recalc_seconds:g} s. Formulas that read fewer cells "
                    "calculate faster. The workbook is as it was before this call."
                )
        self._journal.append((op, arguments))
        self._note_change(op, arguments, answer.result, costs)
        return answer.result

    def _send(self, op: str, arguments: dict[str, Any]) -> Answer:
        """One op, with the engine restarted and the workbook replayed when it fails."""
        limit = self.limits.call_seconds
        for attempt in (1, 2):
            try:
                answer = self._engine.answer(
                    op, generation=self._generation, doc=self._doc, timeout=limit, **arguments
                )
            except EngineTimedOut:
                self.engine_seconds += limit
                self._rebuild()
                # A read may have waited on cells left to calculate; the replay calculated
                # them, so it is tried once more. A change is never sent again.
                if op in MUTATING_OPS or attempt == 2:
                    raise WorkLimitExceeded(
                        f"The spreadsheet engine stopped {op} after {limit:g} s, the most one "
                        "call may take; the workbook is as it was before this call, and the "
                        "episode ends here."
                    ) from None
                continue
            except RequestNotSent:
                if attempt == 2:
                    raise
                self._rebuild(charged=False)  # another workbook's call restarted the engine
                continue
            except EngineCrashed as exc:
                self._rebuild()
                if attempt == 2 and op not in MUTATING_OPS:
                    raise
                if op in MUTATING_OPS:  # one the engine received may have been what crashed it
                    raise ChangeLost(
                        f"The spreadsheet engine failed while applying {op} ({exc.message}); "
                        "the workbook is as it was before this call."
                    ) from None
                continue
            self.engine_seconds += answer.seconds
            return answer
        raise AssertionError("unreachable: the second attempt returns or raises")

    # ---- what formulas read -----------------------------------------------------
    def _check_formula_reads(self, sheet: str, cells: list[list[Any]]) -> list[WriteCost]:
        """Each entry's cost; raises :class:`WorkRefused` when they take the total past the limit."""
        writes = self._costs(sheet, cells)
        total = self.ledger.total_after(sheet, [(w.area, w.cost.cells) for w in writes])
        limit = self.limits.formula_reads
        if total <= limit or not writes:
            return writes
        worst = max(writes, key=lambda w: w.area.size * w.cost.cells)
        formula, area, cost = worst.content, worst.area, worst.cost
        shown = formula if len(formula) <= 80 else formula[:77] + "..."
        raise WorkRefused(
            f"Refused {area.a1} on {sheet}: each cell of {shown} reads {cost.cells:,} cells when "
            f"it is calculated ({cost.largest}: {cost.largest_cells:,}), "
            f"{area.size * cost.cells:,} for its {area.size:,} cell(s); the formulas of a "
            f"workbook may read at most {limit:,} cells in all, and this write would bring "
            f"this one's to {total:,}. Refer to the rows and columns that hold data "
            "(Inputs!$B$2:$B$200, not Inputs!B:B): a whole column is 1,048,576 cells wherever "
            "an array is built from it. Nothing was written."
        )

    def _costs(self, sheet: str, cells: list[list[Any]]) -> list[WriteCost]:
        """What each entry of a write costs per cell (a value: 0)."""
        costs = []
        used = self._used_area(sheet)
        for target, content in cells:
            try:
                area = parse_area(str(target))
            except AddressError:
                continue  # the engine refuses it
            if isinstance(content, str) and content.startswith("="):
                cost = formula_cost(content, self._name_target, used)
                costs.append(WriteCost(target, content, area, cost))
            else:
                costs.append(WriteCost(target, repr(content), area, FormulaCost(0)))
        return costs

    def _name_target(self, name: str) -> str | None:
        if self._names is None:
            self._names = {n["name"].lower(): n["refers_to"] for n in self.call("names")}
        return self._names.get(name.lower())

    def _used_area(self, own_sheet: str) -> UsedArea:
        """Each sheet's used area, read from the engine once per change when needed."""

        def used(sheet: str | None) -> Area | None:
            if self._used is None:
                self._used = {
                    item["name"].lower(): Area(0, 0, item["last_row"], item["last_column"])
                    for item in self.call("sheets")
                }
            return self._used.get((sheet or own_sheet).lower())

        return used

    def _note_change(
        self, op: str, arguments: dict[str, Any], result: Any, costs: list[WriteCost] | None
    ) -> None:
        """Keep the formula ledger (of the agent's writes) and what is known in step."""
        if op == "write" and costs is not None:
            refused = {item["target"] for item in result["refused"]}
            writes = [(w.area, w.cost.cells) for w in costs if w.target not in refused]
            self.ledger.record(arguments["sheet"], writes)
        elif op == "insert_rows":
            self.ledger.insert_rows(arguments["sheet"], arguments["index"], arguments["count"])
        elif op == "delete_rows":
            self.ledger.delete_rows(arguments["sheet"], arguments["index"], arguments["count"])
        if op in ("define_name", "insert_rows", "delete_rows", "add_sheet"):
            self._names = None
        self._used = None

    # ---- documents --------------------------------------------------------------
    def _open(self) -> None:
        # A fresh copy per open: a LibreOffice killed with the file open leaves a lock
        # file beside it, and a locked file would not load again.
        copy = self._folder / f"open-{self.restarts}.xlsx"
        shutil.copyfile(self._source, copy)
        timeout = max(self.limits.call_seconds, OPEN_SECONDS)
        answer = self._engine.answer("open", path=str(copy), timeout=timeout)
        self._doc = answer.result["doc"]
        self._generation = self._engine.generation
        self.recalc_bound = answer.calc_seconds  # opening recalculates everything

    def _close_document(self) -> None:
        if self._doc is not None and self._generation == self._engine.generation:
            try:
                self._engine.call("close", doc=self._doc)
            except (EngineError, EngineRequestError):
                pass  # a dead engine has closed it already
        self._doc = None

    def _rebuild(self, *, charged: bool = True) -> None:
        """Open the workbook again and replay its journal, in bounded time.

        Every journaled change finished within the limits once; should one fail now
        (an engine slower than it was), the journal ends before it and the replay starts
        over, at most three times, then the workbook is its source alone. ``charged``:
        the replay's engine time is this episode's (not when another workbook's call
        restarted the engine).
        """
        self._names = self._used = None
        for _ in range(3):
            self.restarts += 1
            self._open()
            replayed = self._replay(charged)
            if replayed == len(self._journal):
                return
            logger.warning(
                "a workbook's replay failed at change %d of %d; it ends before that change",
                replayed + 1,
                len(self._journal),
            )
            del self._journal[replayed:]
            self._close_document()
        self._journal.clear()
        self.restarts += 1
        self._open()

    def _replay(self, charged: bool) -> int:
        """Apply the journal to the freshly opened document; how many changes went in."""
        for done, (op, arguments) in enumerate(self._journal):
            if op == "write":
                arguments = {**arguments, "report": False}  # nobody reads the changed values
            try:
                answer = self._engine.answer(
                    op,
                    generation=self._generation,
                    doc=self._doc,
                    timeout=self.limits.call_seconds,
                    **arguments,
                )
            except (EngineCrashed, EngineRequestError):
                return done
            self.recalc_bound += answer.calc_seconds
            if charged:
                self.engine_seconds += answer.seconds
        return len(self._journal)
