"""What an agent's tools do to the page, and what it sees afterwards (on the browser thread).

Every action first asks the page where its target is (``page.js``: visible, enabled, the
right kind of element, not covered by a dialog), so a wrong action is a clear message
rather than a 10-second Playwright timeout. Clicks are real mouse clicks at the
element's centre. After an action the driver waits for the page to settle: a page that
started leaving is followed to its next ``load``, and the site's own requests in
flight are waited for. Results the site loads on a timer are not: an agent that looks
too early sees "Searching..." and has to ``wait``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Route

from skillgym.envs.flight.browser import BrowserHost, ContextSlot, same_site
from skillgym.envs.flight.site.app import FlightSite
from skillgym.envs.flight.site.http import ORIGIN, parse_request

SETTLE_MS = 8_000
KEYS = re.compile(
    r"^((Control|Shift|Alt|Meta)\+)*"
    r"([A-Za-z0-9]|F([1-9]|1[0-2])|Enter|Tab|Escape|Backspace|Delete|Space|Home|End|PageUp|PageDown"
    r"|Arrow(Up|Down|Left|Right))$"
)


class PageActionError(Exception):
    """The action could not be done on this page; the message is the agent's error."""


class PageLostError(Exception):
    """The page or the browser is gone; the episode cannot go on."""


@dataclass
class PageView:
    """What the agent sees of the page."""

    url: str
    title: str
    focused: str
    tree: str
    scroll: str


class PageDriver:
    """One episode's page: its site, its context, and the tools' effects on it."""

    def __init__(self, host: BrowserHost, site: FlightSite) -> None:
        self.host = host
        self.site = site
        self.slot: ContextSlot | None = None
        self.loads = 0
        self._loaded = asyncio.Event()
        self.blocked: list[str] = []

    # ---- lifecycle ------------------------------------------------------------------
    async def open(self, path: str = "/") -> PageView:
        """A fresh context on the site's ``path``."""
        self.slot = await self.host.open_slot(self._serve)
        page = self.slot.page
        page.on("load", lambda _: self._on_load())
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
        page.on("popup", lambda popup: asyncio.ensure_future(popup.close()))
        if same_site(page.url):
            # A warm context already shows the site: replace its entry, so history starts here.
            self._loaded.clear()
            await page.evaluate("path => location.replace(path)", path)
            await asyncio.wait_for(self._loaded.wait(), SETTLE_MS / 1000)
        else:
            await page.goto(ORIGIN + path, wait_until="load")
        await self._settle(self.loads)
        view = await self.view()
        self.host.replenish()
        return view

    async def close(self) -> None:
        """Close the context."""
        if self.slot is not None:
            slot, self.slot = self.slot, None
            await self.host.close_slot(slot)

    def _on_load(self) -> None:
        self.loads += 1
        self._loaded.set()

    async def _serve(self, route: Route) -> None:
        request = route.request
        if not same_site(request.url):
            self.blocked.append(request.url)
            await route.abort("blockedbyclient")
            return
        # Chromium's intercepted requests carry their cookies in ``headers`` already;
        # ``all_headers()`` would cost one more round trip per request.
        response = self.site.handle(
            parse_request(request.method, request.url, request.headers, request.post_data_buffer)
        )
        await route.fulfill(
            status=response.status, headers=response.all_headers(), body=response.body
        )

    # ---- reading ------------------------------------------------------------------------
    async def view(self) -> PageView:
        """The page as text: the accessibility tree with ids, URL, title, focus."""
        page = self._page()
        try:
            seen = await page.evaluate("window.__sgObserve ? window.__sgObserve() : null")
        except PlaywrightError as exc:
            self._check_alive()
            seen = {"tree": f"(the page could not be read: {_first_line(exc)})"}
        if not seen:
            seen = {"tree": "(this page is not part of the site; go back or goto a path like /)"}
        return PageView(
            url=page.url,
            title=seen.get("title", ""),
            focused=seen.get("focused", ""),
            tree=seen.get("tree", ""),
            scroll=seen.get("scroll", ""),
        )

    async def act(
        self, action: Callable[[PageDriver], Awaitable[None]], screenshot: bool = False
    ) -> tuple[str, PageView, bytes | None]:
        """Do one tool's action, then read the page (and take a screenshot), in one call.

        Returns the action's error message ("" when it worked), the page as it is now,
        and the screenshot when asked for.
        """
        error = ""
        try:
            await action(self)
        except PageActionError as exc:
            error = str(exc)
        view = await self.view()
        return error, view, await self.screenshot() if screenshot else None

    async def screenshot(self, labels: bool = True) -> bytes:
        """A PNG of the viewport, with every visible id drawn on it."""
        page = self._page()
        if labels:
            await page.evaluate("window.__sgLabels && window.__sgLabels(true)")
        try:
            return await page.screenshot(type="png", timeout=10_000)
        finally:
            if labels:
                await page.evaluate("window.__sgLabels && window.__sgLabels(false)")

    # ---- actions ------------------------------------------------------------------------
    async def click(self, element: str) -> None:
        """Click the element's centre with the mouse."""
        target = await self._target(element, "click")
        before = self.loads
        await self._page().mouse.click(target["x"], target["y"])
        await self._settle(before)

    async def fill(self, element: str, text: str) -> None:
        """Replace a text field's value, as typing would (input events fire)."""
        await self._target(element, "fill")
        before = self.loads
        await self._page().fill(_selector(element), text, timeout=10_000)
        await self._settle(before)

    async def select(self, element: str, option: str) -> None:
        """Choose a drop-down's option by its label (or value)."""
        await self._target(element, "select")
        page = self._page()
        options = await page.eval_on_selector(
            _selector(element),
            "s => [...s.options].map(o => [o.textContent.trim(), o.value])",
        )
        wanted = option.strip().lower()
        value = next(
            (v for label, v in options if label.lower() == wanted or v.lower() == wanted), None
        )
        if value is None:
            listed = " | ".join(label for label, _ in options)
            raise PageActionError(f"[{element}] has no option {option!r}; its options: {listed}")
        before = self.loads
        await page.select_option(_selector(element), value=value, timeout=10_000)
        await self._settle(before)

    async def check(self, element: str, checked: bool) -> None:
        """Tick (or untick) a checkbox or radio button by clicking it when its state differs."""
        target = await self._target(element, "check")
        page = self._page()
        state = await page.eval_on_selector(_selector(element), "e => [e.checked, e.type]")
        if state[0] == checked:
            return
        if not checked and state[1] == "radio":
            raise PageActionError(f"[{element}] is a radio button: choose another option instead.")
        before = self.loads
        await page.mouse.click(target["x"], target["y"])
        await self._settle(before)

    async def press(self, key: str) -> None:
        """Press a key (or a chord like Control+A) in the focused element."""
        if not KEYS.match(key):
            raise PageActionError(
                f"Expects a key like Enter, Tab, Escape, ArrowDown, a letter or digit, or "
                f"a chord like Control+A; actual value: {key[:40]!r}"
            )
        before = self.loads
        await self._page().keyboard.press(
            key.replace("Space", " ") if key.endswith("Space") else key
        )
        await self._settle(before)

    async def scroll(self, direction: str) -> None:
        """Scroll the page by most of a screen, or to its top or bottom."""
        script = {
            "down": "scrollBy(0, innerHeight * 0.8)",
            "up": "scrollBy(0, -innerHeight * 0.8)",
            "top": "scrollTo(0, 0)",
            "bottom": "scrollTo(0, document.documentElement.scrollHeight)",
        }[direction]
        await self._page().evaluate(script)

    async def go_back(self) -> None:
        """The browser's back button (within the site: the tab's blank first page is not one)."""
        page = self._page()
        before = self.loads
        response = await page.go_back(wait_until="load", timeout=10_000)
        if not same_site(page.url):
            await page.go_forward(wait_until="load", timeout=10_000)
            await self._settle(self.loads)
            raise PageActionError("There is no earlier page to go back to.")
        if response is None and self.loads == before:
            raise PageActionError("There is no earlier page to go back to.")
        await self._settle(self.loads)

    async def goto(self, path: str) -> None:
        """Open a path of the site."""
        before = self.loads
        try:
            await self._page().goto(ORIGIN + path, wait_until="load", timeout=10_000)
        except PlaywrightError as exc:
            self._check_alive()
            raise PageActionError(f"Could not open {path}: {_first_line(exc)}") from None
        await self._settle(before)

    async def wait(self, ms: int) -> None:
        """Let the page run for ``ms`` milliseconds, then let it settle."""
        await asyncio.sleep(ms / 1000)
        await self._settle(self.loads)

    # ---- internals ---------------------------------------------------------------------
    def _page(self) -> Any:
        self._check_alive()
        assert self.slot is not None
        return self.slot.page

    def _check_alive(self) -> None:
        if self.slot is None:
            raise PageLostError("The episode's page is closed.")
        if self.slot.crashed:
            raise PageLostError(self.slot.crashed)
        if self.slot.page.is_closed():
            raise PageLostError("The page was closed.")

    async def _target(self, element: str, kind: str) -> dict[str, Any]:
        page = self._page()
        try:
            found = await page.evaluate(
                "([id, kind]) => window.__sgTarget ? window.__sgTarget(id, kind) : {error: 'none'}",
                [element, kind],
            )
        except PlaywrightError as exc:
            self._check_alive()
            raise PageActionError(f"The page is busy ({_first_line(exc)}); try again.") from None
        error = found.get("error")
        if error == "unknown" or error == "none":
            ids = found.get("ids", [])
            close = [i for i in ids if i.split("-")[0] == element.split("-")[0]][:8]
            hint = f" Ids like it on this page: {', '.join(close)}." if close else ""
            raise PageActionError(f"No element [{element}] on this page.{hint}")
        if error:
            raise PageActionError(error)
        return dict(found)

    async def _settle(self, loads_before: int) -> None:
        """Follow a navigation the action started, then wait for the site's requests."""
        page = self._page()
        try:
            leaving = await page.evaluate("window.__sgLeaving ? window.__sgLeaving() : false")
        except PlaywrightError:
            leaving = True  # the document went away under the evaluation: it is navigating
        if leaving and self.loads == loads_before:
            self._loaded.clear()
            try:
                await asyncio.wait_for(self._loaded.wait(), SETTLE_MS / 1000)
            except TimeoutError:
                self._check_alive()
                raise PageActionError(
                    f"The page did not finish loading within {SETTLE_MS / 1000:g} s."
                ) from None
        for _ in range(3):
            try:
                settled = await page.evaluate(SETTLE_SCRIPT, SETTLE_MS)
            except PlaywrightError:
                self._check_alive()
                await asyncio.sleep(0.05)  # navigated during the wait: look at the new page
                continue
            if not settled:
                raise PageActionError(f"The page is still busy after {SETTLE_MS / 1000:g} s.")
            return


SETTLE_SCRIPT = """limit => new Promise(done => {
  const start = performance.now();
  const settled = () => (window.__sgSettled ? window.__sgSettled() : true);
  const tick = () => settled() ? done(true) : performance.now() - start > limit ? done(false) : setTimeout(tick, 5);
  tick();
})"""


def _selector(element: str) -> str:
    return f'[data-sg="{element}"]'


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
