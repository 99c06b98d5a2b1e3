"""Aerolane, the flight site an episode's agent books on: routing, sessions and pages.

A small server-rendered site (Jinja2 templates, a little JavaScript for the cookie
banner, the airport autocomplete, the date picker and the results list). Every
element an agent can act on carries a ``data-sg`` id written in its template, so the
same element has the same id on every run. Handlers live in ``search.py``,
``checkout.py`` and ``manage.py``; each takes a :class:`Visit` and returns a
:class:`~skillgym.envs.flight.site.http.Response`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from random import Random
from typing import Any
from urllib.parse import parse_qsl

import jinja2
import markupsafe

from skillgym.envs.flight.site.http import Request, Response
from skillgym.envs.flight.store import FlightStore

logger = logging.getLogger(__name__)

Handler = Callable[["Visit"], Response]
ROUTES: dict[tuple[str, str], Handler] = {}
STEPS = ("Flights", "Passengers", "Seats", "Extras", "Payment")

_PACKAGE = resources.files("skillgym.envs.flight.site")
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(_PACKAGE / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Inlined in every page: one request per page keeps a step's navigation to one round trip
# through the browser's request interception.
_SITE_CSS = markupsafe.Markup((_PACKAGE / "static" / "site.css").read_text())
_SITE_JS = markupsafe.Markup((_PACKAGE / "static" / "site.js").read_text())


def route(method: str, path: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``method path`` in :data:`ROUTES`."""

    def register(handler: Handler) -> Handler:
        ROUTES[(method, path)] = handler
        return handler

    return register


class FormError(Exception):
    """A form the visitor must correct; the page is shown again with the messages."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass
class Visit:
    """One request with its session: the visitor's cart, loaded and saved by the site."""

    site: FlightSite
    request: Request
    sid: str
    cart: dict[str, Any]
    set_cookies: dict[str, str]

    def page(self, template: str, *, step: str | None = None, **context: Any) -> Response:
        """Render ``template`` inside the site's frame."""
        context.setdefault("errors", [])
        context.setdefault("notices", [])
        context.setdefault("title", context.get("heading", "Aerolane"))
        html = _TEMPLATES.get_template(template).render(
            today=self.site.today.isoformat(),
            site_css=_SITE_CSS,
            site_js=_SITE_JS,
            consent="consent" in self.request.cookies,
            steps=STEPS if step else (),
            step=step,
            **context,
        )
        return Response(body=html.encode())

    def save(self) -> None:
        """Store the cart."""
        self.site.store.save_cart(self.sid, self.cart)


class FlightSite:
    """One episode's site over its own database; every browser context gets its own."""

    def __init__(
        self, store: FlightStore, *, today: date, rng: Random, result_delay_ms: int = 600
    ) -> None:
        self.store = store
        self.today = today
        self.rng = rng
        self.result_delay_ms = result_delay_ms
        register_pages()

    def handle(self, request: Request) -> Response:
        """Answer one request; a bug in a handler is a 500 page, never an exception."""
        handler = ROUTES.get((request.method, request.path))
        if handler is None:
            known = any(path == request.path for _, path in ROUTES)
            return Response.text(
                405 if known else 404,
                "Method not allowed." if known else f"No page at {request.path}.",
            )
        sid = request.cookies.get("sid", "")
        set_cookies: dict[str, str] = {}
        if not sid or len(sid) > 64:
            sid = secrets.token_hex(12)
            set_cookies["sid"] = sid
        visit = Visit(self, request, sid, self.store.cart(sid), set_cookies)
        try:
            response = handler(visit)
            if response.status == 303:
                response = self._follow(request, response.headers["location"], sid)
        except Exception:
            logger.exception("flight site: %s %s failed", request.method, request.path)
            return Response.text(500, "Something went wrong on our side.")
        response.cookies.update(visit.set_cookies)
        return response

    def _follow(self, request: Request, location: str, sid: str) -> Response:
        """Answer a post with the page it redirects to, and put that page's URL in the address bar.

        Intercepted requests cannot be redirected (the browser would fetch the new URL from
        the network), so the site follows its own redirects: the answer to ``POST /select``
        is the ``/passengers`` page, whose first script replaces the history entry's URL.
        """
        for _ in range(5):
            path, _, query = location.partition("?")
            follow = Request(
                "GET",
                path,
                dict(parse_qsl(query, keep_blank_values=True)),
                cookies={**request.cookies, "sid": sid},
            )
            handler = ROUTES.get(("GET", path))
            if handler is None:
                return Response.text(404, f"No page at {path}.")
            response = handler(Visit(self, follow, sid, self.store.cart(sid), {}))
            if response.status != 303:
                script = f"<script>history.replaceState(null, '', {json.dumps(location)});</script>"
                response.body = response.body.replace(b"<head>", b"<head>" + script.encode(), 1)
                return response
            location = response.headers["location"]
        return Response.text(500, "Too many redirects.")


def register_pages() -> None:
    """Import the handler modules, which fill :data:`ROUTES`.

    Called by each site, not when this module is imported: the handler modules import
    this one, so any of them (or ``goals.py``, which describes flights with ``search``)
    can be imported first.
    """
    from skillgym.envs.flight.site import checkout, manage, search  # noqa: F401
