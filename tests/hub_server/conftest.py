from collections.abc import Callable

import pytest

from skillgym.envs.core.protocol import ErrorBody


@pytest.fixture
def assert_error_body() -> Callable[[str, str], None]:
    """A check that a text is byte for byte what ``ErrorBody`` writes, with a given code."""

    def check(text: str, code: str) -> None:
        body = ErrorBody.model_validate_json(text)
        assert body.model_dump_json() == text
        assert body.error.code == code

    return check
