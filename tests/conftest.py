from collections.abc import Iterator

import pytest

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings


@pytest.fixture(scope="session")
def server() -> Iterator[BackgroundServer]:
    """A real SkillGym server on loopback, shared by the tests that only need one."""
    with BackgroundServer(ServerSettings(port=0, max_sessions=512)) as running:
        yield running


@pytest.fixture(scope="session")
def base_url(server: BackgroundServer) -> str:
    return server.base_url
