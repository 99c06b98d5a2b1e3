"""One Chromium per process, driven by Playwright from its own thread.

Playwright objects belong to the thread and event loop that made them, so every call
goes through :meth:`BrowserHost.call`: the coroutine runs on the host's loop thread and
the caller waits, with a timeout, for its result. Episodes get a fresh browser context
each (no shared cookies, storage or cache); one spare context is kept warm so a reset
does not wait for a renderer to start. A browser that dies is noticed (its
``disconnected`` event) and launched again for the next episode.

Chromium is Debian's ``chromium`` (``executable_path``; Playwright's own downloads are
not used), with the flags a container needs: ``--no-sandbox`` (no user namespaces for
the renderer sandbox in most containers) and ``--disable-dev-shm-usage`` (a small
``/dev/shm``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import threading
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TypeVar

from playwright.async_api import Browser, BrowserContext, Page, Playwright, Route, async_playwright

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.flight.settings import BrowserSettings
from skillgym.envs.flight.site.http import ORIGIN

T = TypeVar("T")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
LAUNCH_ARGS = ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--mute-audio")
VIEWPORT = {"width": 1280, "height": 800}
LOCALE, TIMEZONE = "en-GB", "UTC"
Handler = Callable[[Route], Awaitable[None]]


def chromium_path() -> str:
    """The Chromium to launch: ``SKILLGYM_CHROMIUM``, else the first on PATH.

    Raises:
        SandboxError: When there is none, saying how to install it.
    """
    chosen = BrowserSettings.from_environment().chromium
    if chosen:
        if not os.access(chosen, os.X_OK):
            raise SandboxError(f"SKILLGYM_CHROMIUM={chosen} is not an executable file.")
        return chosen
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise SandboxError(
        "No Chromium found for the flight family: install Debian's chromium "
        "(`make setup` does: apt-get install chromium) or set SKILLGYM_CHROMIUM."
    )


class ContextSlot:
    """A browser context and its page, and the request handler the episode plugs in."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page
        self.handler: Handler | None = None
        self.crashed = ""

    async def route(self, route: Route) -> None:
        """Every request of the context: the episode's handler, or 503 before it has one."""
        if self.handler is None:
            await route.fulfill(status=200, body="<!doctype html><title>Aerolane</title>")
            return
        await self.handler(route)


class BrowserHost:
    """The process's Chromium and the thread that drives it."""

    def __init__(self, executable: str | None = None, init_script: str | None = None) -> None:
        self.executable = executable
        self.init_script = init_script if init_script is not None else page_script()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="skillgym-browser", daemon=True
        )
        self._thread.start()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._spare: asyncio.Task[ContextSlot] | None = None
        self._slots: set[ContextSlot] = set()
        self.launches = 0

    # ---- calling in -----------------------------------------------------------------
    def call(self, make: Callable[[], Awaitable[T]], timeout: float) -> T:
        """Run ``make()`` on the browser thread and wait for it.

        Raises:
            TimeoutError: When it has not finished after ``timeout`` seconds (it is cancelled).
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("BrowserHost.call from the browser thread would deadlock.")

        async def run() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"the browser did not answer within {timeout:g} s") from None

    def call_soon(self, make: Callable[[], Awaitable[object]]) -> None:
        """Start ``make()`` on the browser thread without waiting for it (closing a context)."""

        async def run() -> None:
            try:
                await make()
            except Exception:  # nobody waits for it: a failure here has no one to tell
                pass

        asyncio.run_coroutine_threadsafe(run(), self._loop)

    # ---- on the browser thread ----------------------------------------------------------
    async def browser(self) -> Browser:
        """The running browser, launched (again) when there is none or it died."""
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        executable = self.executable or chromium_path()
        try:
            browser = await self._playwright.chromium.launch(
                executable_path=executable, args=list(LAUNCH_ARGS), headless=True, timeout=30_000
            )
        except Exception as exc:
            raise SandboxError(f"Chromium ({executable}) did not start: {exc}") from exc
        browser.on("disconnected", lambda _: self._lost(browser))
        self._browser = browser
        self._spare = None
        self.launches += 1
        return browser

    def _lost(self, browser: Browser) -> None:
        if self._browser is browser:
            self._browser = None
            self._spare = None
        for slot in self._slots:
            slot.crashed = (
                slot.crashed or "The browser closed unexpectedly (it crashed or was killed)."
            )

    async def _new_slot(self) -> ContextSlot:
        browser = await self.browser()
        context = await browser.new_context(
            viewport=VIEWPORT,  # type: ignore[arg-type]
            locale=LOCALE,
            timezone_id=TIMEZONE,
            reduced_motion="reduce",
            service_workers="block",
            accept_downloads=False,
            device_scale_factor=1,
        )
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(10_000)
        await context.add_init_script(script=self.init_script)
        page = await context.new_page()
        slot = ContextSlot(context, page)
        await context.route("**/*", slot.route)
        page.on("crash", lambda _: setattr(slot, "crashed", slot.crashed or "The page crashed."))
        # Start the site's renderer process now (site isolation gives each origin its own),
        # so an episode's first page does not wait for one; the episode replaces this entry.
        await page.goto(ORIGIN + "/", wait_until="load")
        return slot

    async def open_slot(self, handler: Handler) -> ContextSlot:
        """A fresh context and page whose requests go to ``handler``."""
        slot = None
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                slot = await spare
            except Exception:
                slot = None
            if slot is not None and (slot.crashed or not slot.context.browser):
                slot = None
        if slot is None:
            slot = await self._new_slot()
        slot.handler = handler
        self._slots.add(slot)
        return slot

    def replenish(self) -> None:
        """Start warming the next episode's context (after this one's first page, not during it)."""
        if self._spare is None:
            self._spare = asyncio.ensure_future(self._new_slot())

    async def close_slot(self, slot: ContextSlot) -> None:
        """Close an episode's context (it is never reused)."""
        self._slots.discard(slot)
        slot.handler = None
        try:
            await asyncio.wait_for(slot.context.close(), 10)
        except Exception:  # a dead browser has closed it already
            pass

    async def shutdown(self) -> None:
        """Close the browser and Playwright."""
        if self._spare is not None:
            self._spare.cancel()
        if self._browser is not None:
            try:
                await self._browser.close()
            except Exception:
                pass
        if self._playwright is not None:
            await self._playwright.stop()
        self._browser = self._playwright = None

    def close(self) -> None:
        """Shut the browser down and stop the thread."""
        try:
            self.call(self.shutdown, 30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():  # a loop left unclosed leaks its self-pipe sockets
                self._loop.close()


_HOST: BrowserHost | None = None
_HOST_LOCK = threading.Lock()


def browser_host() -> BrowserHost:
    """This process's browser host, made on first use."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = BrowserHost()
        return _HOST


def page_script() -> str:
    """What every document gets before its own scripts: ``page.js``, the driver's side of the page."""
    return resources.files("skillgym.envs.flight").joinpath("page.js").read_text()


def same_site(url: str) -> bool:
    """Whether ``url`` is on the flight site."""
    return url == ORIGIN or url.startswith(ORIGIN + "/")
