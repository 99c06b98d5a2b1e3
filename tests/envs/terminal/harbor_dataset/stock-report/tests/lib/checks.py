"""Helpers the tests import through the PYTHONPATH test.sh exports."""

import pathlib


def read(path):
    return pathlib.Path(path).read_text()
