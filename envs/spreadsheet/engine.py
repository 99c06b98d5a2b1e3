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
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from skillgym.errors import EngineError

WORKER = Path(__file__).with_name("calc_worker.py")
UNO_PYTHON_CANDIDATES = ("/usr/bin/python3", "/usr/local/bin/python3")
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


class RequestNotSent(EngineCrashed):
    """The engine was restarted before the request went out: its document is gone, nothing was done."""


class ChangeLost(EngineError):
    """A change crashed the engine; the workbook was restored to before it."""


class EngineRequestError(Exception):
    """The engine refused one request (a bad address, an unknown sheet); it is still alive."""


def uno_python() -> str:
    """The interpreter that can ``import uno``: ``$SKILLGYM_UNO_PYTHON`` or the system's."""
    chosen = os.environ.get("SKILLGYM_UNO_PYTHON")
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
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._next_id = 0

    @property
    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self._process is not None and self._process.poll() is None

    def call(self, op: str, *, generation: int | None = None, **arguments: Any) -> Any:
        """Send one request and return its result.

        ``generation`` says which start of the engine the request's document lives in;
        if the engine has been restarted since, the document is gone and the call
        raises :class:`EngineCrashed` instead of sending it.

        Raises:
            EngineRequestError: The engine refused the request and is still usable.
            EngineCrashed: The worker died or timed out (it is killed; the next call restarts it).
        """
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
            try:
                self._process.stdin.write(request.encode())
                self._process.stdin.flush()
                reply = json.loads(self._read_line(self.call_timeout))
            except (OSError, ValueError, EngineCrashed) as exc:
                self._kill()
                raise EngineCrashed(f"The spreadsheet engine failed during {op!r}: {exc}") from None
        if "error" in reply:
            raise EngineRequestError(reply["error"]["message"])
        return reply["ok"]

    def close(self) -> None:
        """Stop the worker (and with it LibreOffice)."""
        with self._lock:
            self._kill()

    def _start(self) -> None:
        python = uno_python()
        self._buffer = b""
        self._process = subprocess.Popen(
            [python, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in a terminal is the server's to handle
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
                raise EngineCrashed(f"no answer within {timeout:.0f} s")
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
    size = int(os.environ.get("SKILLGYM_CALC_ENGINES", "1"))
    pool = EnginePool(size)
    atexit.register(pool.close)
    return pool


class Workbook:
    """One open document: the episode's workbook, kept alive across engine crashes."""

    def __init__(self, data: bytes, *, pool: EnginePool | None = None) -> None:
        self._pool = pool or shared_pool()
        self._folder = Path(tempfile.mkdtemp(prefix="skillgym-workbook-"))
        self._source = self._folder / "source.xlsx"
        self._source.write_bytes(data)
        self._journal: list[tuple[str, dict[str, Any]]] = []
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
        """
        try:
            result = self._engine.call(op, generation=self._generation, doc=self._doc, **arguments)
        except EngineCrashed as exc:
            self._recover()
            # A change the engine never received (it had died of something else) is
            # applied now; one it received may have been what crashed it.
            if op in MUTATING_OPS and not isinstance(exc, RequestNotSent):
                raise ChangeLost(
                    f"The spreadsheet engine failed while applying {op} ({exc.message}); the "
                    "workbook is as it was before this call."
                ) from None
            result = self._engine.call(op, generation=self._generation, doc=self._doc, **arguments)
        if op in MUTATING_OPS:
            self._journal.append((op, arguments))
        return result

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
        if self._doc is not None and self._generation == self._engine.generation:
            try:
                self._engine.call("close", doc=self._doc)
            except (EngineError, EngineRequestError):
                pass  # a dead engine has closed it already
        self._pool.release(self._engine)
        self._doc = None
        shutil.rmtree(self._folder, ignore_errors=True)

    def _open(self) -> None:
        # A fresh copy per open: a LibreOffice killed with the file open leaves a lock
        # file beside it, and a locked file would not load again.
        copy = self._folder / f"open-{self.restarts}.xlsx"
        shutil.copyfile(self._source, copy)
        self._doc = self._engine.call("open", path=str(copy))["doc"]
        self._generation = self._engine.generation

    def _recover(self) -> None:
        self.restarts += 1
        self._open()
        for op, arguments in self._journal:
            self._engine.call(op, generation=self._generation, doc=self._doc, **arguments)
