"""A bare `pip install .` gives the light client, and nothing of the server."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIGHT_CHECK = """
import importlib.util, json
import skillgym.clients
from skillgym.clients import RemoteEnv, AsyncRemoteEnv
absent = [m for m in ("fastapi", "uvicorn", "yaml", "typer", "starlette", "pydantic_settings", "orjson")
          if importlib.util.find_spec(m) is not None]
print(json.dumps({"absent_but_installed": absent, "remote": RemoteEnv.__name__}))
"""


@pytest.fixture(scope="module")
def light_venv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("light")
    venv.EnvBuilder(with_pip=True).create(root)
    python = root / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return python


def run_light(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # From a neutral folder: in the repository root, its skillgym/ folder would shadow the install.
    return subprocess.run(
        [python, *args], capture_output=True, text=True, cwd=python.parent, timeout=120
    )


def test_bare_install_imports_the_client_without_server_packages(light_venv):
    result = run_light(light_venv, "-c", LIGHT_CHECK)
    assert result.stdout.strip() == '{"absent_but_installed": [], "remote": "RemoteEnv"}'


def test_bare_install_plays_an_episode_on_a_server(light_venv, base_url):
    script = (
        "from skillgym.clients import RemoteEnv\n"
        f"env = RemoteEnv({base_url!r}, env='arithmetic', task='arithmetic/sum-list')\n"
        "obs, info = env.reset(seed=1)\n"
        'print(env.step(\'{"tool": "submit", "args": {}}\')[2])\n'
        "env.close()\n"
    )
    result = run_light(light_venv, "-c", script)
    assert result.stdout.strip() == "True", result.stderr


def test_bare_install_cli_says_which_extra_it_needs(light_venv):
    result = subprocess.run(
        [light_venv.parent / "skillgym", "list"],
        capture_output=True,
        text=True,
        cwd=light_venv.parent,
    )
    assert result.returncode == 2
    assert "pip install 'skillgym[local]'" in result.stderr


def shipped_files(python: Path, package: str, under: str = "") -> list[str]:
    code = (
        # find_spec: the folder without importing the package (a family needs its extras)
        "import pathlib, importlib.util; "
        f"spec = importlib.util.find_spec({package!r}); "
        f"root = pathlib.Path(spec.submodule_search_locations[0]) / {under!r}; "
        "print('\\n'.join(sorted(f.relative_to(root).as_posix() for f in root.rglob('*') "
        "if f.is_file() and '__pycache__' not in f.parts)))"
    )
    return run_light(python, "-c", code).stdout.splitlines()


def files_in(folder: Path) -> list[str]:
    return sorted(
        f.relative_to(folder).as_posix()
        for f in folder.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    )


def test_bare_install_ships_every_file_of_every_task(light_venv):
    assert shipped_files(light_venv, "skillgym.tasks") == files_in(ROOT / "tasks")


@pytest.mark.parametrize("family", ["arithmetic", "flight", "spreadsheet", "terminal"])
def test_bare_install_ships_each_familys_task_template(light_venv, family):
    shipped = shipped_files(light_venv, f"skillgym.envs.{family}", "template")
    assert shipped == files_in(ROOT / "envs" / family / "template")


def test_bare_install_registers_the_built_in_families_and_tasks_as_entry_points(light_venv):
    code = (
        "from importlib.metadata import entry_points; "
        "print(sorted(p.name for p in entry_points(group='skillgym.families')), "
        "[p.value for p in entry_points(group='skillgym.tasks')])"
    )
    assert run_light(light_venv, "-c", code).stdout.strip() == (
        "['arithmetic', 'flight', 'spreadsheet', 'terminal'] ['skillgym.tasks']"
    )


def test_bare_install_marks_the_package_as_typed(light_venv):
    code = "import pathlib, skillgym; print((pathlib.Path(skillgym.__file__).parent / 'py.typed').exists())"
    assert run_light(light_venv, "-c", code).stdout.strip() == "True"


def test_running_python_is_311_or_newer():
    assert sys.version_info >= (3, 11)
