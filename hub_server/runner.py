"""Running the server: in the foreground (``skillgym serve``) or in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import cast

import uvicorn
from fastapi import FastAPI

from skillgym.hub_server.app import create_app
from skillgym.hub_server.settings import ServerSettings


def uvicorn_config(settings: ServerSettings, *, log_level: str = "info") -> uvicorn.Config:
    """The uvicorn configuration SkillGym serves with (uvloop, httptools, websockets, no access log)."""
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        uds=str(settings.uds) if settings.uds else None,
        log_level=log_level,
        access_log=False,
        # SkillGym reads no client address, and X-Forwarded-* handling costs every request.
        proxy_headers=False,
        # Pings keep idle connections alive through proxies, but an unanswered one does not
        # close the socket: aiohttp's client answers pings only while it reads, and a policy
        # may think for minutes between steps. A vanished client is the idle reaper's.
        ws_ping_interval=settings.ws_ping_interval_s,
        ws_ping_timeout=None,
        ws_max_size=settings.max_body_bytes,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=int(settings.keep_alive_s),
    )


def serve(settings: ServerSettings) -> None:
    """Serve until interrupted."""
    uvicorn.Server(uvicorn_config(settings)).run()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class BackgroundServer:
    """A real server on loopback in a thread, for tests, the demo and benchmarks.

    Example:
        >>> with BackgroundServer(ServerSettings(port=0)) as server:  # doctest: +SKIP
        ...     print(server.base_url)
    """

    def __init__(
        self, settings: ServerSettings | None = None, *, log_level: str = "warning"
    ) -> None:
        settings = settings or ServerSettings()
        if settings.port == 0:
            settings = settings.model_copy(update={"port": free_port(settings.host)})
        self.settings = settings
        self.base_url = f"http://{settings.host}:{settings.port}"
        self._server = uvicorn.Server(uvicorn_config(settings, log_level=log_level))
        self._thread = threading.Thread(
            target=self._server.run, name="skillgym-server", daemon=True
        )

    @property
    def app(self) -> FastAPI:
        """The FastAPI app being served."""
        return cast(FastAPI, self._server.config.app)

    def start(self, timeout_s: float = 30.0) -> BackgroundServer:
        """Start serving and wait until the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"The SkillGym server did not start on {self.base_url} within {timeout_s:g} s."
                )
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down gracefully (sessions are closed) and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
