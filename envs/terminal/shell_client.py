"""The host's side of the in-sandbox shell server: typed calls over JSON lines.

One :class:`ShellClient` talks to one ``inside/shell_server.py`` through the pipes of
the process that started it (``bwrap ...`` or ``docker exec -i ...``). Every call has
a host-side deadline on top of the server's own, so a wedged sandbox is an error
rather than a hang.
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from skillgym.envs.core.errors import SandboxError

HOST_GRACE_SECONDS = 10.0
"""How much longer than a command's own timeout the host waits before declaring the sandbox dead."""


@dataclass(frozen=True)
class CommandResult:
    """What one command did: its output (capped), exit code, working directory, time."""

    stdout: str
    stderr: str
    exit_code: int
    cwd: str
    elapsed: float
    timed_out: bool = False
    stdout_cut: int = 0
    stderr_cut: int = 0
    notice: str = ""


class ShellRequestError(SandboxError):
    """The shell server refused a request (a missing file, a bad path): the agent's mistake."""


class ShellClient:
    """Requests to one shell server over the pipes of ``process``."""

    def __init__(self, process: subprocess.Popen[bytes], *, ready_timeout: float = 30.0) -> None:
        self.process = process
        self._buffer = b""
        hello = self._receive(ready_timeout)
        if not hello.get("ready"):
            raise SandboxError(f"The sandbox's shell server did not start: {hello!r}")

    @property
    def alive(self) -> bool:
        """Whether the server's process is still running."""
        return self.process.poll() is None

    def run(self, command: str, *, timeout: float, cap: int) -> CommandResult:
        """Run ``command`` in the persistent shell; killed (exit 124) after ``timeout`` seconds."""
        reply = self._call({"op": "run", "cmd": command, "timeout": timeout, "cap": cap}, timeout)
        return CommandResult(
            stdout=reply["stdout"],
            stderr=reply["stderr"],
            exit_code=int(reply["exit_code"]),
            cwd=reply["cwd"],
            elapsed=float(reply["elapsed"]),
            timed_out=bool(reply["timed_out"]),
            stdout_cut=int(reply["stdout_cut"]),
            stderr_cut=int(reply["stderr_cut"]),
            notice=reply.get("notice", ""),
        )

    def write(self, path: str, data: bytes, *, mode: int | None = None) -> str:
        """Write ``data`` to ``path`` (relative to the shell's directory); the absolute path."""
        reply = self._call(
            {"op": "write", "path": path, "data": base64.b64encode(data).decode(), "mode": mode}
        )
        return str(reply["path"])

    def read(self, path: str, *, max_bytes: int) -> tuple[bytes, int, str]:
        """Up to ``max_bytes`` of ``path``: (data, the file's size, its absolute path)."""
        reply = self._call({"op": "read", "path": path, "max_bytes": max_bytes})
        return base64.b64decode(reply["data"]), int(reply["size"]), str(reply["path"])

    def unpack(self, tar: bytes, dest: str) -> None:
        """Extract a tar archive into ``dest`` as the sandbox's user."""
        self._call({"op": "unpack", "tar": base64.b64encode(tar).decode(), "dest": dest}, 120)

    def pack(self, paths: list[str], root: str) -> tuple[bytes, list[str]]:
        """A tar of ``paths`` under ``root`` (those that exist) and the list of those packed."""
        reply = self._call({"op": "pack", "paths": paths, "root": root}, 120)
        return base64.b64decode(reply["tar"]), list(reply["packed"])

    def processes(self) -> list[dict[str, Any]]:
        """The sandbox's process table, the shell server itself left out."""
        return list(self._call({"op": "ps"})["processes"])

    def close(self) -> None:
        """Close the pipes (the server exits at end of input)."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    # ---- internals ----------------------------------------------------------------
    def _call(self, request: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise SandboxError(
                "The sandbox's shell server is gone (its input is closed)."
            ) from None
        reply = self._receive(timeout + HOST_GRACE_SECONDS)
        if "error" in reply:
            raise ShellRequestError(str(reply["error"]))
        return reply

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise SandboxError(
                    f"The sandbox's shell server did not answer within {timeout:g} s."
                )
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                code = self.process.poll()
                raise SandboxError(
                    f"The sandbox's shell server exited (code {code}) before answering."
                )
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            raise SandboxError(
                f"The sandbox's shell server sent a malformed reply: {line[:200]!r}"
            ) from None
        if not isinstance(reply, dict):
            raise SandboxError(f"The sandbox's shell server sent a malformed reply: {line[:200]!r}")
        return reply
