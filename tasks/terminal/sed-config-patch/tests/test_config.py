import difflib
import json
import stat
from pathlib import Path

import pytest

PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
VARS = PARAMS["variables"]
ORIGINAL = PARAMS["expected"]["original"]
PATCHED = PARAMS["expected"]["patched"]
CONF = Path("/workspace/etc") / VARS["conf_name"]
BACKUP = Path(f"{CONF}.bak")


def sections(text):
    """{section: [(line index in the file, line)]}, with the lines before any header under ''."""
    found, current = {"": []}, ""
    for index, line in enumerate(text.split("\n")):
        if line.startswith("[") and line.rstrip().endswith("]"):
            current = line.strip()[1:-1]
            found.setdefault(current, [])
        else:
            found[current].append((index, line))
    return found


def active(lines, key):
    return [line for _, line in lines if line.split("=", 1)[0].strip() == key and "=" in line]


def agent_text():
    return CONF.read_text()


def changed_file():
    text = agent_text()
    assert text != ORIGINAL, "the config was not changed"
    return text


def test_config_is_patched_exactly():
    assert agent_text() == PATCHED


def test_backup_holds_the_original():
    assert BACKUP.is_file(), f"{BACKUP} is missing"
    assert BACKUP.read_bytes() == ORIGINAL.encode()


def check_setting(key, section, value):
    got, was = sections(changed_file()), sections(ORIGINAL)
    lines = active(got[section], key)
    assert len(lines) == 1, f"[{section}] has {len(lines)} active {key} lines"
    assert lines[0].split("=", 1)[1].strip() == value, lines[0]
    old = active(was[section], key)[0]
    assert lines[0].split("=", 1)[0] == old.split("=", 1)[0], "the spacing around = changed"
    for name, body in was.items():
        if name != section:
            assert active(got[name], key) == active(body, key), f"{key} changed in [{name}]"


def test_port_set_in_its_section_only():
    check_setting("port", VARS["port_section"], VARS["new_port"])


def test_timeout_set_in_its_section_only():
    check_setting("timeout", VARS["timeout_section"], VARS["new_timeout"])


def test_default_uncommented_in_its_section_only():
    key, section = VARS["uncomment_key"], VARS["uncomment_section"]
    got, was = sections(changed_file()), sections(ORIGINAL)
    assert active(got[section], key) == [f"{key} = {VARS['uncomment_value']}"]
    commented = f"# {key} = {VARS['old_default']}"
    assert commented not in [line for _, line in got[section]], "the commented line is still there"
    for name, body in was.items():
        if name != section:
            assert [line for _, line in got[name] if key in line] == [
                line for _, line in body if key in line
            ], f"{key} changed in [{name}]"


def test_key_added_after_the_last_active_setting():
    key, section = VARS["add_key"], VARS["add_section"]
    got, was = sections(changed_file()), sections(ORIGINAL)
    lines = [line for _, line in got[section]]
    wanted = f"{key} = {VARS['add_value']}"
    assert lines.count(wanted) == 1, f"[{section}] should have one line {wanted!r}"
    at = lines.index(wanted)
    settings = [i for i, line in enumerate(lines) if "=" in line and not line.startswith("#")]
    settings.remove(at)
    assert settings and settings[-1] == at - 1, "not directly after the last active setting"
    for name in was:
        if name != section:
            assert not active(got.get(name, []), key), f"{key} was also added to [{name}]"


@pytest.mark.essential  # the file is diffed in review: nothing else may move
def test_nothing_else_changed():
    before, after = ORIGINAL.split("\n"), changed_file().split("\n")
    allowed = set()
    for section, key, kind in [
        (VARS["port_section"], "port", "set"),
        (VARS["timeout_section"], "timeout", "set"),
        (VARS["uncomment_section"], VARS["uncomment_key"], "default"),
    ]:
        for index, line in sections(ORIGINAL)[section]:
            commented = line.startswith("#")
            if "=" in line and line.lstrip("# ").split("=", 1)[0].strip() == key:
                if commented == (kind == "default"):
                    allowed.add(index)
    changes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    for tag, i1, i2, _, _ in changes:
        if tag in ("replace", "delete"):
            touched = set(range(i1, i2)) - allowed
            assert not touched, (
                f"lines changed that should not: {[before[i] for i in sorted(touched)]}"
            )
    assert len(after) == len(before) + 1, "exactly one line should have been added"


def test_permissions_kept():
    changed_file()
    assert stat.S_IMODE(CONF.stat().st_mode) == 0o640
