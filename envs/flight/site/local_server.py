"""Aerolane on a local port, for people: an episode's site in your own browser.

Episodes never use this (their browser reaches the site through request interception);
``skillgym site`` does, so a task author can click through what an agent gets.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, HTTPServer

from skillgym.envs.flight.site.app import FlightSite
from skillgym.envs.flight.site.http import parse_request

MAX_BODY = 1 << 20


class SiteServer(HTTPServer):
    """One site on one port, answering one request at a time (its database is single-threaded)."""

    def __init__(self, site: FlightSite, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.site = site

    @property
    def url(self) -> str:
        """Where the site answers."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "Request body too large")
            return
        body = self.rfile.read(length) if length else None
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.site.handle(parse_request(method, self.path, headers, body))
        self.send_response(response.status)
        for name, value in response.all_headers().items():
            for line in value.split("\n"):
                self.send_header(name, line)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        return
