"""The browser's settings: which Chromium the flight family drives.

Read when the process's browser starts.

Example:
    >>> BrowserSettings(chromium="/usr/bin/chromium").chromium
    '/usr/bin/chromium'
"""

from __future__ import annotations

from pydantic import Field

from skillgym.envs.core.settings import SkillGymSettings


class BrowserSettings(SkillGymSettings):
    """The Chromium that Playwright drives for the flight family."""

    chromium: str | None = Field(
        default=None,
        description="The Chromium to launch; default: the first of chromium, "
        "chromium-browser, google-chrome and chrome on PATH.",
    )
