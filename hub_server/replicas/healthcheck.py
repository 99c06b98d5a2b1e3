"""A replica image's health check: ``python -m skillgym.hub_server.replicas.healthcheck``.

Exits 0 when the server in this container answers ``GET /healthz`` with 200, on its Unix
socket (``SKILLGYM_UDS``) or else on ``127.0.0.1:$SKILLGYM_PORT`` (8000 by default).
Standard library only: it runs every few seconds for the container's whole life.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def healthy(timeout_s: float = 3.0) -> bool:
    """Whether this container's server answers ``/healthz``."""
    uds = os.environ.get("SKILLGYM_UDS")
    if uds:
        connection: http.client.HTTPConnection = _UnixConnection(uds, timeout_s)
    else:
        port = int(os.environ.get("SKILLGYM_PORT") or 8000)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
