"""Fake servers for testing the clients' failure handling (named as fakes: the tests are
about the clients, not the server)."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from skillgym.hub_server.routes.envs import describe_family


class FakeFlakyServer:
    """Answers /v1/envs and session creation, then drops every reset and step unanswered."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        envs = json.dumps({"envs": [describe_family("arithmetic").model_dump()]}).encode()
        created = json.dumps({"session_id": "fake", "env": "arithmetic", "task": None}).encode()
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer(200, envs)

            def do_DELETE(self) -> None:
                calls["close"] += 1
                self._answer(204)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/v1/sessions":
                    self._answer(201, created)
                    return
                calls[self.path.rsplit("/", 1)[-1]] += 1
                self.close_connection = True  # drop the request unanswered

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeFlakyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeSilentServer:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __enter__(self) -> FakeSilentServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._socket.close()


def unused_base_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"
