from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skillgym.envs.core.protocol import ErrorBody
from tests.conftest import RunningHub, start_hub


@pytest.fixture
def assert_error_body() -> Callable[[str, str], None]:
    """A check that a text is byte for byte what ``ErrorBody`` writes, with a given code."""

    def check(text: str, code: str) -> None:
        body = ErrorBody.model_validate_json(text)
        assert body.model_dump_json() == text
        assert body.error.code == code

    return check


@pytest.fixture
def running_hub(database_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    """A hub with the suite ``mini`` (2 tasks x 2 seeds); tokens are checked on every call."""
    with start_hub(database_url, tmp_path) as hub:
        yield hub
