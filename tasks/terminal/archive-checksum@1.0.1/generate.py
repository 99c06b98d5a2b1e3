"""A seeded project tree to archive: hidden files, logs and caches to leave out, a symlink."""

from __future__ import annotations

import hashlib
from random import Random

from skillgym.envs.terminal.generation import Generated

PROJECTS = ["orbit-api", "ledger-sync", "tide-worker", "pollen-cli", "harbor-web", "quartz-etl"]
MODULES = ["client", "models", "routes", "storage", "jobs", "auth", "metrics", "parser"]
WORDS = ["alpha", "bravo", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "iris", "jade"]
LEVELS = ["DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"]


def python_module(rng: Random, name: str) -> str:
    """A small, plausible Python module."""
    lines = [f'"""The {name} module."""', ""]
    for _ in range(rng.randint(2, 4)):
        func = f"{rng.choice(WORDS)}_{rng.choice(['load', 'save', 'check', 'build'])}"
        lines += [
            "",
            f"def {func}(value):",
            f"    return value * {rng.randint(2, 99)} + {rng.randint(0, 9)}",
            "",
        ]
    return "\n".join(lines)


def log_text(rng: Random, lines: int) -> str:
    """An application log of ``lines`` lines."""
    out = []
    for i in range(lines):
        out.append(
            f"2025-04-{1 + i // 5000:02d}T{(i // 200) % 24:02d}:{(i // 4) % 60:02d}:"
            f"{i % 60:02d}Z {rng.choice(LEVELS)} worker-{rng.randint(1, 8)} "
            f"request {rng.randint(10000, 99999)} took {rng.randint(1, 900)}ms"
        )
    return "\n".join(out) + "\n"


def generate(rng: Random) -> Generated:
    """One project directory and what its archive and manifest must hold."""
    project = rng.choice(PROJECTS)
    package = project.split("-")[0]
    version = f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
    modules = rng.sample(MODULES, rng.randint(2, 4))

    kept: dict[str, str | bytes] = {
        "README.md": f"# {project}\n\nVersion {version}. Run `make dev` to start.\n",
        "CHANGELOG.md": "".join(
            f"## {version.rsplit('.', 1)[0]}.{n}\n- {rng.choice(WORDS)} fixes\n"
            for n in range(rng.randint(2, 5))
        ),
        ".gitignore": "*.log\n__pycache__/\n.env\n",
        ".env": f"DATABASE_URL=postgres://app:{rng.randint(10**7, 10**8)}@db/{package}\n",
        ".editorconfig": "root = true\n[*]\nindent_style = space\n",
        "config/settings.toml": f'[server]\nport = {rng.randint(3000, 9000)}\nname = "{project}"\n',
        "config/.secrets.toml": f'token = "{rng.randbytes(12).hex()}"\n',
        "docs/login.md": "# Logging in\n\nUse the SSO button.\n",
        "logs/.keep": "",
        f"src/{package}/__init__.py": f'__version__ = "{version}"\n',
        "tests/test_smoke.py": "def test_smoke():\n    assert True\n",
    }
    for module in modules:
        kept[f"src/{package}/{module}.py"] = python_module(rng, module)
    dropped: dict[str, str | bytes] = {
        "logs/app.log": log_text(rng, rng.randint(6000, 9000)),
        f"logs/{rng.choice(['worker', 'cron', 'audit'])}.log": log_text(rng, rng.randint(50, 200)),
        "tests/output/run.log": log_text(rng, rng.randint(5, 30)),
    }
    for module in modules[:2]:
        pyc = b"\xa7\r\r\n" + rng.randbytes(rng.randint(200, 600))
        dropped[f"src/{package}/__pycache__/{module}.cpython-311.pyc"] = pyc
    dropped["tests/__pycache__/test_smoke.cpython-311.pyc"] = b"\xa7\r\r\n" + rng.randbytes(120)

    def digest(content: str | bytes) -> str:
        data = content.encode() if isinstance(content, str) else content
        return hashlib.sha256(data).hexdigest()

    files = {f"{project}/{path}": content for path, content in {**kept, **dropped}.items()}
    empty_dir = (
        f"data/{rng.choice(['uploads', 'exports', 'spool'])}/{rng.choice(['tmp', 'incoming'])}"
    )
    link_path = f"docs/{rng.choice(['CHANGES.md', 'history.md', 'release-notes.md'])}"
    return Generated(
        variables={
            "project": project,
            "archive": f"{project}-{version}",
            "empty_dir": empty_dir,
            "link_path": link_path,
            "link_target": "../CHANGELOG.md",
        },
        files=files,
        expected={"files": {path: digest(content) for path, content in sorted(kept.items())}},
    )
