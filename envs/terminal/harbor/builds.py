"""Docker builds and downloads for Harbor tasks' images, their failures and their cache."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from skillgym.envs.core.errors import SandboxError

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BUILD_TIMEOUT = 3600.0


def cache_dir() -> Path:
    """``$SKILLGYM_CACHE/harbor``, else ``$XDG_CACHE_HOME/skillgym/harbor`` or ``~/.cache/...``."""
    root = os.environ.get("SKILLGYM_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "skillgym"
    )
    return Path(root) / "harbor"


def digest(*parts: str | bytes) -> str:
    """Twelve hex digits of a hash of ``parts``: what an image's tag carries of its inputs."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def image_exists(tag: str) -> bool:
    """Whether the engine has ``tag``."""
    done = subprocess.run(
        ["docker", "image", "inspect", tag], capture_output=True, check=False, timeout=60
    )
    return done.returncode == 0


def docker_build(
    tag: str, dockerfile: str, context: Path, *, timeout: float = BUILD_TIMEOUT, what: str
) -> None:
    """``docker build --network host`` of ``dockerfile`` in ``context``, tagged ``tag``.

    Raises:
        SandboxError: Naming the step that failed, its exit code and the start of its error.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".Dockerfile", delete=False) as file:
        file.write(dockerfile)
    try:
        done = subprocess.run(
            [
                "docker",
                "build",
                "--force-rm",
                "--network",
                "host",
                *("-t", tag, "-f", file.name),
                str(context),
            ],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )
    except subprocess.TimeoutExpired:
        raise SandboxError(f"Building {what} did not finish within {timeout:g} s.") from None
    except FileNotFoundError:
        raise SandboxError("The docker CLI is missing: apt-get install docker.io.") from None
    finally:
        os.unlink(file.name)
    if done.returncode != 0:
        raise SandboxError(f"Building {what} failed: {build_failure(done.stdout, done.stderr)}")


def build_failure(stdout: str, stderr: str) -> str:
    r"""The failed step of a classic ``docker build``, its exit code and the start of its error.

    Example:
        >>> out = "Step 2/3 : RUN apt-get install -y nope\n ---> Running in 1\nE: Unable to locate package nope\n"
        >>> err = "The command '/bin/sh -c apt-get install -y nope' returned a non-zero code: 100"
        >>> build_failure(out, err)
        'step 2/3 `RUN apt-get install -y nope` exited with code 100: E: Unable to locate package nope'
    """
    stdout, stderr = ANSI.sub("", stdout), ANSI.sub("", stderr)
    steps = list(re.finditer(r"^Step (\d+/\d+) : (.*)$", stdout, re.MULTILINE))
    code = re.search(r"returned a non-zero code: (\d+)", stderr)
    if not steps:
        return stderr.strip()[:1500] or "docker build failed with no output"
    step = steps[-1]
    output = stdout[step.end() :].splitlines()
    lines = [line for line in output if line.strip() and not line.startswith(" ---> ")]
    errors = [
        i for i, line in enumerate(lines) if re.search(r"(?i)\b(error|e:|fatal|not found)", line)
    ]
    start = errors[0] if errors else max(0, len(lines) - 12)
    excerpt = "\n".join(lines[start : start + 12])[:1500]
    ending = f"exited with code {code[1]}" if code else stderr.strip()[:300]
    return f"step {step[1]} `{step[2]}` {ending}: {excerpt}"


def download(url: str, sha256: str | None, target: Path) -> Path:
    """``url`` into ``target`` once (checked against ``sha256`` when given)."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as exc:
        raise SandboxError(f"Downloading {url} failed: {exc}") from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise SandboxError(f"{url}: expects sha256 {sha256}, the download differs")
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.rename(target)
    return target
