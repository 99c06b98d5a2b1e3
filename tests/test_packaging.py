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


def test_bare_install_ships_every_task_file(light_venv):
    code = (
        "import pathlib, skillgym.tasks; root = pathlib.Path(skillgym.tasks.__path__[0]); "
        "print('\\n'.join(sorted(p.relative_to(root).as_posix() for p in root.rglob('task.yaml'))))"
    )
    shipped = run_light(light_venv, "-c", code).stdout.split()
    in_repo = sorted(
        p.relative_to(ROOT / "tasks").as_posix() for p in (ROOT / "tasks").rglob("task.yaml")
    )
    assert shipped == in_repo


def test_bare_install_marks_the_package_as_typed(light_venv):
    code = "import pathlib, skillgym; print((pathlib.Path(skillgym.__file__).parent / 'py.typed').exists())"
    assert run_light(light_venv, "-c", code).stdout.strip() == "True"


def test_running_python_is_311_or_newer():
    assert sys.version_info >= (3, 11)
