from pathlib import Path

import pytest

STATUS = Path("/workspace/status.txt")


@pytest.mark.essential
def test_the_status_says_done():
    assert STATUS.read_text().strip() == "done"


def test_the_status_is_one_line():
    assert STATUS.read_text().count("\n") == 1
