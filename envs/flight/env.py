"""The flight family: book, change or cancel flights on a real site in a real browser.

Each episode gets its own site (``site/``) over its own SQLite database, generated from
the seed, in a fresh Chromium context (no shared cookies or storage). The agent reads
the page as accessibility text whose interactive elements carry the ids the site's
templates give them (``[search] button "Search flights"``) and acts with ``click``,
``fill``, ``select``, ``check``, ``press``, ``scroll``, ``go_back``, ``goto`` and
``wait``. The verdict is read from the database after ``submit`` (``goals.py``).
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from random import Random
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field

from skillgym.envs.core.env import Policy, SkillGymEnv
from skillgym.envs.core.errors import RequestError, SandboxError
from skillgym.envs.core.generators import expect_type, generate_episode
from skillgym.envs.core.options import ResetOptions
from skillgym.envs.core.tasks import TaskCatalog, TaskSpec
from skillgym.envs.core.tools import ActionError, NoArgs, ToolArgs, tool
from skillgym.envs.core.verification import Verification
from skillgym.envs.flight.browser import BrowserHost, browser_host
from skillgym.envs.flight.cheats import cheats_for
from skillgym.envs.flight.driver import PageDriver, PageLostError, PageView
from skillgym.envs.flight.heuristic import FirstOfferPolicy
from skillgym.envs.flight.oracle import (
    AnswerPlan,
    BookPlan,
    ManagePlan,
    ScriptedPolicy,
    Step,
    book_steps,
    manage_steps,
    search_steps,
)
from skillgym.envs.flight.scenario import Scenario
from skillgym.envs.flight.site.app import FlightSite
from skillgym.envs.flight.site.http import ORIGIN
from skillgym.envs.flight.store import FlightStore

T = TypeVar("T")
ELEMENT_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
"""Where episode databases go: memory-backed when the machine has it (they live for minutes)."""
ACTION_TIMEOUT = 30.0
"""Seconds one tool call may take in the browser before the page counts as hung."""


class ElementArgs(ToolArgs):
    """An element, by the id shown in brackets on the page."""

    id: str = Field(pattern=ELEMENT_ID, description="The element's id, e.g. search for [search].")


class FillArgs(ElementArgs):
    """Arguments of ``fill``."""

    text: str = Field(max_length=500, description="The text to put in the field (replaces it).")


class SelectArgs(ElementArgs):
    """Arguments of ``select``."""

    option: str = Field(max_length=200, description="The option's label as shown (or its value).")


class CheckArgs(ElementArgs):
    """Arguments of ``check``."""

    checked: bool = Field(default=True, description="Tick (true) or untick (false).")


class PressArgs(ToolArgs):
    """Arguments of ``press``."""

    key: str = Field(
        max_length=40, description="A key: Enter, Tab, Escape, ArrowDown, a letter, Control+A."
    )


class ScrollArgs(ToolArgs):
    """Arguments of ``scroll``."""

    direction: Literal["up", "down", "top", "bottom"] = "down"


class GotoArgs(ToolArgs):
    """Arguments of ``goto``."""

    path: str = Field(
        max_length=2000,
        description="A path on this site, starting with / (e.g. /manage); other sites are refused.",
    )


class WaitArgs(ToolArgs):
    """Arguments of ``wait``."""

    ms: int = Field(
        default=500, ge=0, le=10_000, description="Milliseconds to wait (at most 10000)."
    )


def open_site(scenario: Scenario, rng: Random, folder: Path) -> tuple[FlightStore, FlightSite]:
    """An episode's database in ``folder`` (inventory and earlier bookings) and its site."""
    store = FlightStore.create(folder / "site.db", scenario.inventory)
    for pre in scenario.prebookings:
        store.add_booking(
            pre.ref,
            contact_email=pre.email,
            passengers=pre.passengers,
            legs=pre.legs,
            seats={},
            insurance=False,
            total_cents=pre.total_cents,
            card_last4="4242",
            preexisting=True,
        )
    site = FlightSite(
        store,
        today=scenario.today,
        rng=Random(rng.getrandbits(64)),
        result_delay_ms=rng.randrange(300, 900, 50),
    )
    return store, site


class FlightOptions(ResetOptions):
    """The flight family's reset options."""

    screenshots: bool | None = Field(
        default=None,
        description="Add a screenshot of the page (base64 PNG) to every observation; "
        "default: the environment's setting.",
    )


class FlightEnv(SkillGymEnv):
    """Flight booking on the Aerolane site in Chromium, verified from the site's database.

    Example:
        >>> env = FlightEnv(task="flight/cheapest-nonstop")  # doctest: +SKIP
        >>> obs, info = env.reset(seed=0)  # doctest: +SKIP
        >>> obs, *_ = env.step('{"tool": "click", "args": {"id": "cookie-accept"}}')  # doctest: +SKIP
    """

    options_model = FlightOptions
    description = (
        "Book, change and cancel flights on a real site in Chromium, verified from its database."
    )

    family: ClassVar[str] = "flight"
    observation_fields: ClassVar[tuple[str, ...]] = (
        "url",
        "title",
        "focused",
        "page",
        "screenshot",
    )
    max_field_chars: ClassVar[int] = 400_000
    artifact_types: ClassVar[dict[str, str]] = {"screenshot.png": "image/png"}
    action_timeout: float = ACTION_TIMEOUT

    def __init__(
        self,
        *,
        task: str | None = None,
        catalog: TaskCatalog | None = None,
        render_mode: str | None = None,
        screenshots: bool = False,
        host: BrowserHost | None = None,
    ) -> None:
        super().__init__(task=task, catalog=catalog, render_mode=render_mode)
        self.screenshots = screenshots
        self._host = host
        self._driver: PageDriver | None = None
        self._store: FlightStore | None = None
        self._folder: Path | None = None
        self._scenario: Scenario | None = None
        self._view = PageView("", "", "", "", "")
        self._shot = ""
        self._episode_screenshots = screenshots

    @property
    def host(self) -> BrowserHost:
        """The browser host this environment uses (the process's own by default)."""
        if self._host is None:
            self._host = browser_host()
        return self._host

    # ---- the family's hooks -------------------------------------------------------
    def start_episode(self, spec: TaskSpec, rng: Random, options: ResetOptions) -> dict[str, Any]:
        """A fresh database, site and browser context, on the site's home page."""
        assert isinstance(options, FlightOptions)
        shots = self.screenshots if options.screenshots is None else options.screenshots
        scenario = expect_type(generate_episode(spec, rng), Scenario, spec)
        folder = Path(tempfile.mkdtemp(prefix="skillgym-flight-", dir=SCRATCH))
        self._folder = folder
        try:
            self._store, site = open_site(scenario, rng, folder)
            driver = self._driver = PageDriver(self.host, site)
            self._view = self._browse(driver.open)
        except BaseException:
            self.end_episode()
            raise
        self._scenario = scenario
        self._episode_screenshots = shots
        self._shot = self._screenshot() if shots else ""
        return scenario.variables

    def observe(self) -> dict[str, str]:
        """The page as text, where it is, and (when asked for) a screenshot."""
        view = self._view
        return {
            "url": view.url.removeprefix(ORIGIN) or "/",
            "title": view.title,
            "focused": view.focused,
            "page": view.tree,
            "screenshot": self._shot,
        }

    def verify(self) -> Verification:
        """The goal's checks against the bookings in the database.

        The page stays open until the next reset or close, so its last state can still be
        fetched (``artifact("screenshot.png")``); the agent can no longer act on it.
        """
        scenario, store = self._scenario, self._store
        if scenario is None or store is None:
            raise SandboxError("No episode is running; reset() first.")
        episode = self.episode
        assert episode is not None
        reader = FlightStore(store.path)
        try:
            checks = scenario.goal.checks(reader, episode.answer, verifier=episode.spec.verifier)
            return Verification.from_checks(checks)
        finally:
            reader.close()

    def oracle(self) -> Policy:
        """A scripted policy that follows the scenario's plan through the page."""
        scenario, store = self._scenario, self._store
        if scenario is None or store is None:
            raise SandboxError("No episode is running; reset() first.")
        plan = scenario.plan
        steps: list[Step]
        if isinstance(plan, BookPlan):
            segments = {it: [s["id"] for s in store.segments_of(it)] for it, _ in plan.picks}
            steps = book_steps(plan, scenario.today, segments)
        elif isinstance(plan, ManagePlan):
            steps = manage_steps(plan, scenario.today)
        else:
            assert isinstance(plan, AnswerPlan)
            steps = search_steps(plan, scenario.today) if plan.depart else []
            steps.append(Step("submit", {"answer": plan.answer}, None))
        return ScriptedPolicy(steps)

    def heuristic(self) -> Policy:
        """Book the first offer for the route and date the instruction names (``heuristic.py``)."""
        return FirstOfferPolicy()

    def cheats(self) -> dict[str, Policy]:
        """The blunt strategies that apply to this episode's task (``cheats.py``), by name."""
        scenario, store = self._scenario, self._store
        if scenario is None or store is None:
            raise SandboxError("No episode is running; reset() first.")
        return cheats_for(scenario, store)

    def end_episode(self) -> None:
        """Close the context and remove the database."""
        driver, self._driver = self._driver, None
        if driver is not None:
            # Closed in the background: the next reset need not wait for it, and no later
            # episode can reach this context (each episode has its own).
            self.host.call_soon(driver.close)
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def artifact(self, name: str) -> bytes:
        """``screenshot.png``: the page now, with every visible id drawn on it."""
        if name != "screenshot.png":
            return super().artifact(name)
        driver = self._driver
        if driver is None:
            raise RequestError("No page to show: the episode has ended or not started.")
        try:
            return self.host.call(driver.screenshot, self.action_timeout)
        except (PageLostError, TimeoutError) as exc:
            raise SandboxError(f"No screenshot: {exc}") from None

    # ---- tools --------------------------------------------------------------------
    @tool(
        "click",
        "Click an element (a button, link, option, checkbox, seat...) by its id.",
        ElementArgs,
    )
    def _click(self, args: ElementArgs) -> None:
        self._act(lambda d: d.click(args.id))

    @tool("fill", "Replace the text of a text field, as typing would.", FillArgs)
    def _fill(self, args: FillArgs) -> None:
        self._act(lambda d: d.fill(args.id, args.text))

    @tool("select", "Choose an option of a drop-down (combobox with options).", SelectArgs)
    def _select(self, args: SelectArgs) -> None:
        self._act(lambda d: d.select(args.id, args.option))

    @tool("check", "Tick or untick a checkbox, or choose a radio button.", CheckArgs)
    def _check(self, args: CheckArgs) -> None:
        self._act(lambda d: d.check(args.id, args.checked))

    @tool("press", "Press a key in the focused element (Enter submits a form).", PressArgs)
    def _press(self, args: PressArgs) -> None:
        self._act(lambda d: d.press(args.key))

    @tool(
        "scroll",
        "Scroll the page (the page text shows all of it; this moves the screenshot).",
        ScrollArgs,
    )
    def _scroll(self, args: ScrollArgs) -> None:
        self._act(lambda d: d.scroll(args.direction))

    @tool("go_back", "The browser's back button.", NoArgs)
    def _go_back(self, _args: NoArgs) -> None:
        self._act(lambda d: d.go_back())

    @tool("goto", "Open a page of this site by its path, e.g. /manage.", GotoArgs)
    def _goto(self, args: GotoArgs) -> None:
        path = args.path.strip()
        if not path.startswith("/") or path.startswith("//") or "\\" in path:
            raise ActionError(
                f"Expects a path on this site starting with / (like /manage); actual value: {path[:100]!r}. "
                "Other sites cannot be opened."
            )
        self._act(lambda d: d.goto(path))

    @tool("wait", "Wait for the page (results load a moment after the page).", WaitArgs)
    def _wait(self, args: WaitArgs) -> None:
        self._act(lambda d: d.wait(args.ms))

    # ---- internals ----------------------------------------------------------------
    def _act(self, action: Callable[[PageDriver], Awaitable[None]]) -> None:
        driver = self._driver
        if driver is None:
            raise SandboxError("No page is open; reset() first.")
        shots = self._episode_screenshots
        try:
            error, self._view, png = self._browse(lambda: driver.act(action, shots))
        except PageLostError:
            return  # the episode was ended with the reason (abort_episode)
        if png is not None:
            self._shot = base64.b64encode(png).decode()
        if error:
            raise ActionError(error)

    def _browse(self, make: Callable[[], Awaitable[T]]) -> T:
        """One call into the browser; a lost or hung page ends the episode."""
        try:
            return self.host.call(make, self.action_timeout)
        except PageLostError as exc:
            self._lose(f"{exc} The episode ends here; the next reset opens a new page.")
            raise
        except TimeoutError:
            self._lose(
                f"The page did not respond within {self.action_timeout:g} s (hung). "
                "The episode ends here."
            )
            raise PageLostError("hung") from None

    def _lose(self, reason: str) -> None:
        if self.episode is not None and not self.episode.done:
            self.abort_episode(reason)
        else:
            raise SandboxError(reason)

    def _screenshot(self) -> str:
        driver = self._driver
        if driver is None:
            return ""
        return base64.b64encode(self._browse(driver.screenshot)).decode()
