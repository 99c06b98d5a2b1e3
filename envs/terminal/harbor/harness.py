"""The tests' harness: what Harbor's scripts fetch at run time, carried by the image instead.

TB2's ``test.sh`` installs uv from astral.sh and runs ``uvx -p 3.13``, which downloads a
CPython from GitHub. The image carries uv where astral's installer puts it and each
CPython the scripts ask for where uv keeps the ones it downloads.
"""

from __future__ import annotations

import json
import re
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.terminal.harbor.builds import cache_dir, download
from skillgym.envs.terminal.harbor.stand_ins import PYTHON_SOURCES

DEFAULT_UV = "0.9.5"


@dataclass(frozen=True)
class Harness:
    """What Harbor's scripts fetch at run time, provided in the image instead.

    Attributes:
        uv: The uv version astral's installer would install (``astral.sh/uv/V/install.sh``).
        pythons: The CPython versions the scripts ask uv for (``uvx -p 3.13``).
    """

    uv: str = DEFAULT_UV
    pythons: tuple[str, ...] = ()


def uv_binaries(version: str) -> Path:
    """A folder with ``uv`` and ``uvx`` of ``version``, from its PyPI wheel (cached)."""
    folder = cache_dir() / f"uv-{version}"
    if (folder / "uvx").exists():
        return folder
    request = urllib.request.Request(
        "https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
    except OSError as exc:
        raise SandboxError(f"Looking up uv {version} on PyPI failed: {exc}") from None
    wheel = next(
        (
            f
            for f in files
            if f["filename"].startswith(f"uv-{version}-")
            and re.search(r"manylinux_2_17_x86_64.*\.whl$", f["filename"])
        ),
        None,
    )
    if wheel is None:
        raise SandboxError(f"PyPI has no manylinux x86_64 wheel of uv {version}")
    path = download(wheel["url"], wheel["hashes"]["sha256"], cache_dir() / wheel["filename"])
    staging = Path(tempfile.mkdtemp(dir=cache_dir()))
    with zipfile.ZipFile(path) as archive:
        for name in ("uv", "uvx"):
            (staging / name).write_bytes(archive.read(f"uv-{version}.data/scripts/{name}"))
            (staging / name).chmod(0o755)
    staging.rename(folder)
    return folder


def managed_python_dir(version: str) -> str:
    """Where uv keeps a downloaded CPython ``version`` for root."""
    full = PYTHON_SOURCES[version].version
    return f"/root/.local/share/uv/python/cpython-{full}-linux-x86_64-gnu"


UV_ENV_FILE = """\
#!/bin/sh
# add binaries to PATH if they aren't added yet (as astral's uv installer writes it)
case ":${PATH}:" in
    *:"$HOME/.local/bin":*) ;;
    *) export PATH="$HOME/.local/bin:$PATH" ;;
esac
"""


def harness_for(*scripts: str) -> Harness:
    r"""The uv version and the uv-managed Pythons ``scripts`` ask for.

    Example:
        >>> harness_for("curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh\nuvx -p 3.13 pytest")
        Harness(uv='0.9.5', pythons=('3.13',))
    """
    text = "\n".join(scripts).replace("\\\n", " ")
    versions = re.findall(r"astral\.sh/uv/(\d+\.\d+\.\d+)/install\.sh", text)
    pythons = re.findall(
        r"\buv[x]?\b[^\n]*?(?:-p|--python)[ =](?:python|cpython-)?(3\.\d+)\b", text
    )
    wanted = tuple(sorted({p for p in pythons if p in PYTHON_SOURCES}, key=lambda v: int(v[2:])))
    return Harness(versions[-1] if versions else DEFAULT_UV, wanted)


def describe(harness: Harness) -> str:
    """One line for the import's notes."""
    pythons = ", ".join(harness.pythons)
    extra = f" and CPython {pythons} where uv keeps the Pythons it downloads" if pythons else ""
    return (
        f"the image has uv {harness.uv} in /root/.local/bin (astral.sh is unreachable, so "
        f"`curl ... astral.sh/uv/... | sh` installs nothing){extra}."
    )
