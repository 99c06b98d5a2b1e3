"""The spreadsheet engine's worker: starts one headless LibreOffice and relays to it.

Run by the Python interpreter that has LibreOffice's ``uno`` module (Debian's
``python3-uno`` is built for the system Python, not for every virtualenv), so this
file imports nothing but the standard library and ``uno``. It starts ``soffice.bin``
with a fresh profile holding ``calc_macro.py`` as a macro, then relays each JSON
request line from stdin to that macro (one bridge call; the work runs inside
LibreOffice) and writes its JSON reply as one line on stdout. End of stdin (the
parent went away) stops LibreOffice and the worker.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

SOFFICE = sys.argv[1]  # the engine passes its settings' soffice ($SKILLGYM_SOFFICE)
RESTART_EXIT_CODE = 81  # soffice.bin asks to be restarted after creating a new profile
MACRO = Path(__file__).with_name("calc_macro.py")
MACRO_NAME = "skillgym_calc.py"


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the worker is single-threaded


class Office:
    """One ``soffice.bin`` process and the UNO connection to it."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="skillgym-calc-profile-")
        scripts = Path(self.profile, "user", "Scripts", "python")
        scripts.mkdir(parents=True)
        shutil.copyfile(MACRO, scripts / MACRO_NAME)
        self.pipe = f"skillgym-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.process: subprocess.Popen[bytes] | None = None
        self.desktop = self._start()

    def _launch(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                SOFFICE,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                f"-env:UserInstallation=file://{self.profile}",
                f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )

    def _start(self, timeout: float = 60.0) -> Any:
        self.process = self._launch()
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code == RESTART_EXIT_CODE:
                self.process = self._launch()
            elif code is not None:
                raise RuntimeError(f"LibreOffice ({SOFFICE}) exited with code {code} at start-up")
            elif os.path.exists(f"/tmp/OSL_PIPE_{os.getuid()}_{self.pipe}"):
                try:
                    context = resolver.resolve(
                        f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
                    )
                    break
                except NoConnectException:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"LibreOffice did not accept a connection in {timeout:.0f} s")
            time.sleep(0.05)
        self.context = context
        return context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )

    def script_provider(self) -> Any:
        """The provider of the profile's macros."""
        factory = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.script.provider.MasterScriptProviderFactory", self.context
        )
        return factory.createScriptProvider("")

    def stop(self) -> None:
        """Kill LibreOffice and remove its profile."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Worker:
    """Forwards each request line to the macro inside LibreOffice, one bridge call each."""

    def __init__(self) -> None:
        self.office = Office()
        url = f"vnd.sun.star.script:{MACRO_NAME}$handle?language=Python&location=user"
        self.script = self.office.script_provider().getScript(url)

    def serve(self, stdin: Any, stdout: Any) -> None:
        """Say ready, then answer each request line until stdin ends."""
        pid = self.office.process.pid if self.office.process else None
        stdout.write(json.dumps({"ready": True, "pid": pid}) + "\n")
        stdout.flush()
        for line in stdin:
            # A failing bridge (LibreOffice died) raises out of here: the worker exits,
            # and its parent sees the crash and starts another.
            reply, _, _ = self.script.invoke((line,), (), ())
            stdout.write(reply + "\n")
            stdout.flush()


def main() -> None:
    """Run the worker on stdin/stdout."""
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the protocol
    worker = Worker()
    try:
        worker.serve(sys.stdin, protocol_out)
    finally:
        worker.office.stop()


if __name__ == "__main__":
    main()
