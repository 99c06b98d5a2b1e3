"""The package type-checks with mypy, as it is installed (skillgym.envs lives in envs/, ...)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"envs": "envs", "hub_server": "hub_server", "clients": "clients", "tasks": "tasks"}


def test_mypy_finds_no_type_errors(tmp_path):
    # mypy cannot follow the editable install's folder mapping, so mirror it with links.
    package = tmp_path / "skillgym"
    package.mkdir()
    for source in (ROOT / "skillgym").glob("*.py"):
        (package / source.name).symlink_to(source)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(ROOT / folder, target_is_directory=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "-p",
            "skillgym",
            "--ignore-missing-imports",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout
