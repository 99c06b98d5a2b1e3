"""Every ``Example:`` in the package's docstrings runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

# Modules LibreOffice runs in its own Python (they import its ``uno``), not importable here.
INSIDE_LIBREOFFICE = {
    "skillgym.envs.spreadsheet.calc_macro",
    "skillgym.envs.spreadsheet.calc_worker",
}


def modules() -> list[str]:
    names = set()
    for package in ("skillgym", "skillgym.envs", "skillgym.clients", "skillgym.hub_server"):
        path = importlib.import_module(package).__path__
        names |= {info.name for info in pkgutil.walk_packages(path, package + ".")}
    return sorted(names - INSIDE_LIBREOFFICE)


@pytest.mark.parametrize("name", modules())
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_there_are_examples_to_run():
    assert sum(doctest.testmod(importlib.import_module(n)).attempted for n in modules()) >= 40
