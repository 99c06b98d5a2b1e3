"""Fake servers for the faults a real SkillGym server cannot produce: a connection dropped
mid-call, a server that never answers, a broken gateway in front. Named as fakes: the
tests are about the clients, not the server."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from skillgym.hub_server.routes.envs import describe_family


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def answer(
        self, status: int, body: bytes = b"", content_type: str = "application/json"
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeServer:
    """A plain HTTP server on loopback in a thread, answering with ``handler``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeFlakyServer(FakeServer):
    """Describes the family and opens a session, then drops every reset and step unanswered."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        family = describe_family("arithmetic").model_dump_json().encode()
        created = json.dumps({"session_id": "fake", "env": "arithmetic", "task": None}).encode()
        calls = self.calls

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self.answer(200, family)

            def do_DELETE(self) -> None:
                calls["close"] += 1
                self.answer(204)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/v1/sessions":
                    self.answer(201, created)
                    return
                calls[self.path.rsplit("/", 1)[-1]] += 1
                self.close_connection = True  # drop the request unanswered

        super().__init__(Handler)


class FakeGatewayErrorServer(FakeServer):
    """Answers every call with a gateway's HTML error page, as a broken proxy in front would."""

    PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    def __init__(self) -> None:
        page = self.PAGE

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self.answer(502, page, "text/html")

        super().__init__(Handler)


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
