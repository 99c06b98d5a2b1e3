"""Every ``SKILLGYM_*`` variable is a field of one settings class and on docs/settings.md.

The page's tables are held to the classes: each class has a table whose rows are its
own fields' variables, defaults and descriptions, rendered here (an assertion that
fails prints the table to paste). The variables SkillGym sets for itself and those the
image build scripts read are on the page too, in their own sections.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import skillgym.envs
from skillgym.envs.core.settings import SkillGymSettings

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "settings.md"
PACKAGE_FOLDERS = ("skillgym", "envs", "hub_server", "clients", "tasks")
SOURCE_SUFFIXES = {".py", ".sh", ".yaml"}
BUILD_SCRIPTS = [*sorted((ROOT / "containers").rglob("*.sh")), ROOT / "Makefile"]
NAME = re.compile(r"SKILLGYM_[A-Z0-9_]*")
TABLE_HEAD = {
    False: "| Variable | Default | Meaning |\n|---|---|---|\n",
    True: "| Variable | `skillgym serve` option | Default | Meaning |\n|---|---|---|---|\n",
}


def settings_classes() -> list[type[SkillGymSettings]]:
    """Every settings class of the package: the ``settings`` modules, imported, and their classes."""
    modules = ["skillgym.hub_server.settings"]
    for info in pkgutil.walk_packages(skillgym.envs.__path__, "skillgym.envs."):
        if info.name.endswith(".settings"):
            modules.append(info.name)
    for name in modules:
        importlib.import_module(name)
    found: list[type[SkillGymSettings]] = []
    pending = list(SkillGymSettings.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending += cls.__subclasses__()
    return sorted(found, key=lambda cls: cls.__name__)


def own_fields(cls: type[SkillGymSettings]) -> list[str]:
    """The fields ``cls`` declares itself, not those it inherits from another settings class."""
    inherited = {name for base in cls.__mro__[1:] for name in getattr(base, "model_fields", {})}
    return [name for name in cls.model_fields if name not in inherited]


def shown(default: Any) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return str(int(default))
    return str(default)


def table(cls: type[SkillGymSettings]) -> str:
    """The rows of ``cls``'s table on the page."""
    from skillgym.hub_server.settings import ServerSettings

    with_options = cls is ServerSettings
    rows = [TABLE_HEAD[with_options]]
    for name in own_fields(cls):
        field = cls.model_fields[name]
        cells = [f"`{cls.variable(name)}`"]
        if with_options:
            from skillgym.serve_options import option_names

            cells.append(", ".join(f"`{option}`" for option in option_names(name)))
        cells += [f"`{shown(field.get_default(call_default_factory=True))}`", field.description]
        rows.append(f"| {' | '.join(str(cell) for cell in cells)} |\n")
    return "".join(rows)


def section(heading: str) -> str:
    """The text of the page's section under ``## heading``, up to the next section."""
    text = PAGE.read_text()
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def field_variables() -> dict[str, type[SkillGymSettings]]:
    """Each settings variable and the class whose own field it is."""
    return {cls.variable(name): cls for cls in settings_classes() for name in own_fields(cls)}


def names_in(paths: list[Path]) -> dict[str, list[str]]:
    """Each ``SKILLGYM_*`` name in the files, with where it appears."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            for name in NAME.findall(line):
                found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{number}")
    return found


def package_sources() -> list[Path]:
    return [
        path
        for folder in PACKAGE_FOLDERS
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in SOURCE_SUFFIXES and path.is_file()
    ]


def set_by_skillgym() -> set[str]:
    return set(NAME.findall(section("Set by SkillGym itself")))


def test_there_is_one_settings_class_per_component():
    assert {cls.__name__ for cls in settings_classes()} == {
        "ServerSettings",
        "ImageSettings",
        "CatalogSettings",
        "EngineSettings",
        "SandboxSettings",
        "BrowserSettings",
    }


def test_each_variable_is_a_field_of_one_class_only():
    seen: dict[str, str] = {}
    for cls in settings_classes():
        for name in own_fields(cls):
            variable = cls.variable(name)
            assert variable not in seen, (
                f"{variable} is a field of {seen[variable]} and {cls.__name__}"
            )
            seen[variable] = cls.__name__


def test_every_skillgym_name_in_the_package_is_a_setting_or_set_by_skillgym_itself():
    variables = set(field_variables())
    for name, places in names_in(package_sources()).items():
        if name.endswith("_"):  # a prefix: SKILLGYM_* names, SKILLGYM_CALC_<NAME>
            assert any(v.startswith(name) for v in variables), (
                f"expects the prefix {name} to begin some setting's variable, found none ({places[0]})"
            )
        else:
            assert name in variables or name in set_by_skillgym(), (
                f"expects {name} ({', '.join(places)}) to be a field of a settings class, "
                "or listed under 'Set by SkillGym itself' in docs/settings.md; it is neither"
            )


def test_what_skillgym_sets_for_itself_is_no_setting_and_is_still_used():
    used = set(names_in(package_sources()))
    for name in set_by_skillgym():
        assert name not in field_variables(), f"{name} is a setting, yet listed as set by SkillGym"
        assert name in used, f"docs/settings.md lists {name}, which the package no longer uses"


@pytest.mark.parametrize("cls", settings_classes(), ids=lambda cls: cls.__name__)
def test_the_page_has_each_class_table_with_every_variable_default_and_meaning(cls):
    for name in own_fields(cls):
        assert cls.model_fields[name].description, f"{cls.__name__}.{name} has no description"
    text = PAGE.read_text()
    assert f"`{cls.__module__}.{cls.__name__}`" in text, (
        f"docs/settings.md never names {cls.__name__}"
    )
    expected = table(cls)
    assert expected in text, (
        f"docs/settings.md lacks {cls.__name__}'s table as it is now:\n{expected}"
    )


def test_the_page_has_no_variable_that_is_not_a_setting_or_named_in_its_own_sections():
    listed = set(NAME.findall(PAGE.read_text())) - {"SKILLGYM_", "SKILLGYM_CALC_"}
    known = set(field_variables()) | set_by_skillgym() | set(names_in(BUILD_SCRIPTS))
    assert listed <= known, f"docs/settings.md names what nothing reads: {sorted(listed - known)}"


def test_the_build_scripts_variables_are_on_the_page():
    scripts = section("Image build scripts")
    for name, places in names_in(BUILD_SCRIPTS).items():
        assert f"`{name}`" in scripts, (
            f"expects {name} ({places[0]}) under 'Image build scripts' in docs/settings.md"
        )
