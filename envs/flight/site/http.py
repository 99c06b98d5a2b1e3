"""The flight site's requests and responses, independent of how they travel.

The browser's requests reach the site through Playwright's request interception (one
:class:`~skillgym.envs.flight.site.app.FlightSite` per browser context), so the site
needs no port; :func:`parse_request` turns an intercepted request into a
:class:`Request` and a handler answers with a :class:`Response`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ORIGIN = "https://aerolane.skillgym.test"
"""Where the site lives in the browser: a reserved ``.test`` name that no resolver answers."""


@dataclass
class Request:
    """One request to the site."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """A form field, else a query parameter, stripped."""
        return (self.form.get(name) or self.query.get(name) or default).strip()


@dataclass
class Response:
    """One answer: status, body, media type and extra headers."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def redirect(cls, location: str) -> Response:
        """A 303 See Other to ``location`` (after a form post)."""
        return cls(303, headers={"location": location})

    @classmethod
    def json(cls, data: Any) -> Response:
        """A JSON body."""
        return cls(body=json.dumps(data).encode(), content_type="application/json")

    @classmethod
    def text(cls, status: int, message: str) -> Response:
        """A plain-text body, for errors."""
        return cls(status, message.encode(), "text/plain; charset=utf-8")

    def all_headers(self) -> dict[str, str]:
        """Every header to send, cookies included (each on its own line)."""
        headers = {"content-type": self.content_type, "cache-control": "no-store", **self.headers}
        if self.cookies:
            headers["set-cookie"] = "\n".join(
                f"{name}={value}; Path=/; SameSite=Lax" for name, value in self.cookies.items()
            )
        return headers


def parse_request(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Request:
    """A :class:`Request` from an intercepted request's parts."""
    parts = urlsplit(url)
    cookies: dict[str, str] = {}
    if headers.get("cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # a malformed cookie header is the client's problem: ignore it
            jar = SimpleCookie()
        cookies = {name: morsel.value for name, morsel in jar.items()}
    form: dict[str, str] = {}
    if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return Request(
        method=method.upper(),
        path=parts.path or "/",
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        form=form,
        cookies=cookies,
    )
