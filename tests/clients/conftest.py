from collections.abc import Iterator

import pytest

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings


@pytest.fixture(scope="module")
def full_server() -> Iterator[BackgroundServer]:
    """A real server with room for one session, which asks to come back in 1 s when full."""
    with BackgroundServer(ServerSettings(port=0, max_sessions=1, retry_after_s=1)) as running:
        yield running


@pytest.fixture(scope="module")
def impatient_server() -> Iterator[BackgroundServer]:
    """A real server with room for one session, which asks to come back in 60 s when full."""
    with BackgroundServer(ServerSettings(port=0, max_sessions=1, retry_after_s=60)) as running:
        yield running
