"""``skillgym serve`` takes one option per server setting, generated from ServerSettings."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import typer.main
from typer.testing import CliRunner

from skillgym.cli import build_app
from skillgym.hub_server import runner
from skillgym.hub_server.settings import ServerSettings

ROOT = Path(__file__).resolve().parents[1]
WIDE = {"COLUMNS": "400", "NO_COLOR": "1"}


def serve_command():
    return typer.main.get_command(build_app()).commands["serve"]


def flat(text: str) -> str:
    """The text without the boxes and line breaks of rich's error panel."""
    return " ".join(text.replace("│", " ").split())


@pytest.fixture
def served(monkeypatch) -> list[ServerSettings]:
    """The settings ``serve`` would serve with, recorded by a fake runner instead of serving."""
    recorded: list[ServerSettings] = []
    monkeypatch.setattr(runner, "serve", recorded.append)
    for name in ServerSettings.model_fields:
        monkeypatch.delenv(ServerSettings.variable(name), raising=False)
    return recorded


def test_serve_help_lists_an_option_for_every_server_setting():
    result = CliRunner().invoke(build_app(), ["serve", "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    for name, field in ServerSettings.model_fields.items():
        option = "--" + name.replace("_", "-")
        assert re.search(rf"{option}\b", result.output), f"serve --help lists no {option}"
        assert field.description and field.description[:40] in flat(result.output)
        assert ServerSettings.variable(name) in result.output


def test_each_option_defaults_to_its_field_and_parses_the_fields_type(served):
    options = {param.name: param for param in serve_command().params}
    for name, field in ServerSettings.model_fields.items():
        assert options[name].default == field.default, name
    arguments = ["serve", "--idle-timeout-s", "0.5", "--tasks-dir", "one", "--tasks-dir", "two"]
    result = CliRunner().invoke(build_app(), arguments)
    assert result.exit_code == 0, result.output
    (settings,) = served
    assert (settings.idle_timeout_s, settings.tasks_dir) == (0.5, [Path("one"), Path("two")])
    refused = CliRunner().invoke(build_app(), ["serve", "--max-sessions", "many"], env=WIDE)
    assert refused.exit_code == 2 and "Invalid value for '--max-sessions'" in flat(refused.output)


def test_the_option_names_in_the_makefile_readme_and_docs_are_accepted():
    accepted = {opt for param in serve_command().params for opt in param.opts} | {"--help"}
    texts = [ROOT / "Makefile", ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    used = set()
    for path in texts:
        for words in re.findall(r"skillgym serve( [^`\n#]*)", path.read_text()):
            used |= set(re.findall(r"(?<!\S)(--[\w-]+)", words))
    assert {"--host", "--port", "--token", "--idle-timeout"} <= accepted
    assert used <= accepted, f"serve does not accept {sorted(used - accepted)}"


def test_an_option_wins_over_its_variable_and_a_variable_over_the_default(served):
    variables = {"SKILLGYM_MAX_SESSIONS": "5", "SKILLGYM_RETRY_AFTER_S": "7"}
    result = CliRunner().invoke(build_app(), ["serve", "--max-sessions", "1"], env=variables)
    assert result.exit_code == 0, result.output
    (settings,) = served
    assert (settings.max_sessions, settings.retry_after_s, settings.env_threads) == (1, 7, 32)


def test_the_former_option_names_set_the_same_settings(served):
    arguments = ["serve", "--host", "0.0.0.0", "--idle-timeout", "12", "--token", "s3cret"]
    result = CliRunner().invoke(build_app(), arguments)
    assert result.exit_code == 0, result.output
    (settings,) = served
    assert settings.idle_timeout_s == 12.0
    assert settings.api_token is not None and settings.api_token.get_secret_value() == "s3cret"


def test_a_switch_given_off_undoes_its_variable(served):
    result = CliRunner().invoke(
        build_app(),
        ["serve", "--host", "0.0.0.0", "--no-allow-unauthenticated"],
        env={"SKILLGYM_ALLOW_UNAUTHENTICATED": "1", **WIDE},
    )
    assert result.exit_code == 2
    assert "Serving on 0.0.0.0 without an API token" in flat(result.output)
    assert served == []


def test_a_wrong_value_names_the_option_or_the_variable_that_held_it(served):
    by_option = CliRunner().invoke(build_app(), ["serve", "--max-sessions", "0"], env=WIDE)
    assert by_option.exit_code == 2
    assert "Expects --max-sessions to be greater than 0, actual value: 0" in flat(by_option.output)
    by_variable = CliRunner().invoke(build_app(), ["serve"], env={"SKILLGYM_PORT": "99999", **WIDE})
    assert by_variable.exit_code == 2
    expected = "Expects $SKILLGYM_PORT to be at most 65535, actual value: '99999'"
    assert expected in flat(by_variable.output)
    assert served == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(*arguments: str, env: dict[str, str]) -> Iterator[str]:
    """``skillgym serve`` in its own process, until it answers /healthz; its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "skillgym.cli", "serve", "--port", str(port), *arguments]
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log, text=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if process.poll() is not None:
                log.seek(0)
                raise AssertionError(f"serve exited with {process.returncode}: {log.read()}")
            try:
                if httpx.get(f"{base_url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("serve did not answer /healthz")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_server_serves_with_its_options_and_the_variables_of_the_rest():
    with serving("--max-sessions", "1", env={"SKILLGYM_RETRY_AFTER_S": "7"}) as base_url:
        first = httpx.post(f"{base_url}/v1/sessions", json={"env": "arithmetic"})
        assert first.status_code == 201, first.text
        full = httpx.post(f"{base_url}/v1/sessions", json={"env": "arithmetic"})
        assert full.status_code == 503, full.text
        assert full.headers["retry-after"] == "7"


def test_without_the_servers_extras_serve_says_what_to_install():
    # A fake of the missing extras: the module serve needs cannot be imported.
    script = (
        "import sys\n"
        "sys.modules['skillgym.serve_options'] = None\n"
        "sys.argv = ['skillgym', 'serve']\n"
        "from skillgym.cli import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "pip install 'skillgym[hub]'" in result.stderr
