"""TCP to Unix socket: how a replica container with no network is reached at a URL.

A docker replica runs with ``--network none`` and serves on a Unix socket in a folder
bind-mounted from the host. A :class:`SocketForwarder` (one thread, one event loop, for
every replica of the process) listens on a TCP port for each and pipes each connection
to the socket, bytes both ways, so HTTP and WebSocket clients see an ordinary URL and
nothing inside the container can open a connection out.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

CHUNK = 65_536


class SocketForwarder:
    """Forwards TCP ports to Unix sockets, on a daemon thread; stopped with its process.

    Example::

        forwarder = SocketForwarder()
        port = forwarder.forward("127.0.0.1", Path("/tmp/replica/server.sock"))
        forwarder.stop(port)
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._servers: dict[
            int, tuple[asyncio.Server, dict[asyncio.Task[None], list[asyncio.StreamWriter]]]
        ] = {}
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="skillgym-forwarder", daemon=True
        )
        self._thread.start()

    def forward(self, host: str, socket_path: Path, port: int = 0) -> int:
        """Listen on ``host:port`` (0: any free port) and pipe to ``socket_path``; the port."""
        future = asyncio.run_coroutine_threadsafe(self._listen(host, port, socket_path), self._loop)
        return future.result(timeout=10)

    def stop(self, port: int) -> None:
        """Stop listening on ``port`` (connections already open end with their replica)."""
        future = asyncio.run_coroutine_threadsafe(self._close(port), self._loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)

    async def _listen(self, host: str, port: int, socket_path: Path) -> int:
        # asyncio keeps only weak references to the connections' tasks: these are the strong
        # ones, by port, with their streams, so that stopping a port ends its connections.
        connections: dict[asyncio.Task[None], list[asyncio.StreamWriter]] = {}

        async def pipe_connection(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            task = asyncio.current_task()
            assert task is not None
            streams = connections[task] = [writer]
            try:
                inner_reader, inner_writer = await asyncio.open_unix_connection(str(socket_path))
                streams.append(inner_writer)
                await asyncio.gather(
                    _copy(reader, inner_writer), _copy(inner_reader, writer), return_exceptions=True
                )
            except OSError:
                pass  # the client sees a dropped connection, as from a dead server
            finally:
                for stream in streams:
                    stream.close()
                connections.pop(task, None)

        server = await asyncio.start_server(pipe_connection, host, port)
        bound = server.sockets[0].getsockname()[1]
        self._servers[bound] = (server, connections)
        return bound

    async def _close(self, port: int) -> None:
        server, connections = self._servers.pop(port, (None, {}))
        if server is not None:
            server.close()
        for streams in list(connections.values()):
            for stream in streams:  # their reads end, and so do their tasks
                stream.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()


_shared: SocketForwarder | None = None
_shared_lock = threading.Lock()


def shared_forwarder() -> SocketForwarder:
    """The process's forwarder, started at first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SocketForwarder()
        return _shared
