"""What a task run as Harbor runs it needs: ``sandbox.harbor``, its workdir, and the differences.

Read from the Harbor folder at import time: every ``FROM`` must have a local stand-in
(``stand_ins.py``) and every ``COPY --from`` image must be a stage or uv's; the agent's
workdir is the last stage's final ``WORKDIR``; the scripts say which uv and which
uv-managed Pythons the image must carry. What still differs from Harbor is a note naming
the file and line.
"""

from __future__ import annotations

import posixpath
import tomllib
from pathlib import Path
from typing import Any

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.terminal.harbor.config import HarborConfig
from skillgym.envs.terminal.harbor.dockerfile import dockerfile_instructions, expand
from skillgym.envs.terminal.harbor.harness import describe, harness_for
from skillgym.envs.terminal.harbor.images import UV_IMAGE
from skillgym.envs.terminal.harbor.stand_ins import stand_in
from skillgym.envs.terminal.sandbox import SandboxSpec

MAX_ORACLE_SECONDS = 3600.0
MIN_BUILD_SECONDS = 1800.0
"""Builds here may compile a CPython for the stand-in first: never less than this."""


def harbor_fields(
    source: Path, config: HarborConfig, notes: list[str]
) -> tuple[dict[str, Any], str]:
    """``sandbox.harbor`` and the workdir of the Harbor task in ``source``.

    Args:
        source: The Harbor task folder.
        config: Its task.toml.
        notes: Gets one sentence per difference from Harbor that remains.

    Returns:
        The ``harbor`` fields and the agent's workdir.

    Raises:
        TaskFormatError: If the task cannot run here: a ``FROM`` or ``COPY --from`` image
            without a local stand-in, or no usable ``WORKDIR``.
    """
    dockerfile = source / "environment" / "Dockerfile"
    instructions = dockerfile_instructions(dockerfile.read_text(encoding="utf-8"))
    stages: set[str] = set()
    variables: dict[str, str] = {}
    workdir = "/"
    for instruction in instructions:
        words = instruction.arguments.split()
        if instruction.keyword == "ARG" and words:
            key, _, value = words[0].partition("=")
            variables.setdefault(key, value.strip("\"'"))
        elif instruction.keyword == "FROM":
            image = expand(next(w for w in words if not w.startswith("--")), variables)
            if image.lower() not in stages:
                try:
                    found = stand_in(image)
                except TaskFormatError as exc:
                    raise TaskFormatError(f"{instruction.where}: {exc}") from None
                notes.extend(f"{instruction.where}: {note}" for note in found.notes)
            if len(words) >= 3 and words[-2].lower() == "as":
                stages.add(words[-1].lower())
            workdir = "/"
        elif instruction.keyword == "WORKDIR":
            target = expand(instruction.arguments.strip().strip("\"'"), variables)
            workdir = posixpath.normpath(posixpath.join(workdir, target))
        elif instruction.keyword in ("COPY", "ADD"):
            _copy_from(instruction.arguments, instruction.where, stages, notes)
    workdir = _workdir(source, workdir, notes)
    scripts = [
        (source / path).read_text(encoding="utf-8", errors="replace")
        for path in ("tests/test.sh", "solution/solve.sh", "environment/Dockerfile")
        if (source / path).is_file()
    ]
    harness = harness_for(*scripts)
    where = _line_of(source / "tests" / "test.sh", "astral.sh/uv")
    if where or harness.pythons:
        notes.append(f"{where or 'tests/test.sh'}: {describe(harness)}")
    agent = config.agent_seconds or 900.0
    if agent > MAX_ORACLE_SECONDS:
        notes.append(
            f"task.toml [agent] timeout_sec is {agent:g}; one command (the oracle's solve.sh "
            f"included) may run at most {MAX_ORACLE_SECONDS:g} s here."
        )
    notes.extend(_unsupported_settings(source / "task.toml"))
    if (source / "environment" / "docker-compose.yaml").exists() or (
        source / "environment" / "docker-compose.yml"
    ).exists():
        notes.append(
            "environment/docker-compose.yaml is not used: only the main service's "
            "Dockerfile is built (extra services do not run)."
        )
    fields: dict[str, Any] = {
        "uv": harness.uv,
        "pythons": list(harness.pythons),
        "agent_timeout": agent,
        "build_timeout": max(MIN_BUILD_SECONDS, _build_seconds(source / "task.toml")),
    }
    return fields, workdir


def _copy_from(arguments: str, where: str, stages: set[str], notes: list[str]) -> None:
    for word in arguments.split():
        if not word.startswith("--from="):
            continue
        image = word.removeprefix("--from=")
        if image.lower() in stages or image.isdigit():
            continue
        version = UV_IMAGE.match(image)
        if version is None:
            raise TaskFormatError(
                f"{where}: COPY --from={image}: no local stand-in for this image and no "
                "registry is reachable; expects an earlier stage or ghcr.io/astral-sh/uv:VERSION"
            )
        notes.append(
            f"{where}: COPY --from={image} copies uv {version[1]} built from its PyPI wheel "
            "(no registry is reachable)."
        )


def _workdir(source: Path, workdir: str, notes: list[str]) -> str:
    try:
        SandboxSpec(workdir=workdir)
    except ValueError:
        raise TaskFormatError(
            f"environment/Dockerfile: the agent's directory is {workdir} (its last WORKDIR); "
            "expects a directory of its own like /app (not /, a system or a home directory)"
        ) from None
    return workdir


def _line_of(path: Path, needle: str) -> str:
    """``tests/test.sh line 7`` for the first line of ``path`` holding ``needle``; else ``""``."""
    if not path.is_file():
        return ""
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if needle in line:
            return f"{path.parent.name}/{path.name} line {number}"
    return ""


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _build_seconds(path: Path) -> float:
    value = _toml(path).get("environment", {}).get("build_timeout_sec", 600.0)
    return float(value) if isinstance(value, int | float) and value > 0 else 600.0


UNSUPPORTED = {
    ("agent", "user"): "the agent is root",
    ("verifier", "user"): "the tests run as root",
    ("verifier", "env"): "the tests get the image's environment only",
    ("solution", "env"): "the oracle gets the image's environment only",
    ("environment", "workdir"): "the agent starts in the Dockerfile's last WORKDIR",
    ("environment", "env"): "the container gets the image's environment only",
    ("environment", "network_mode"): "the network is on in every phase",
    ("environment", "allow_internet"): "the network is on in every phase",
    ("agent", "network_mode"): "the network is on in every phase",
    ("verifier", "network_mode"): "the network is on in every phase",
    ("environment", "mcp_servers"): "no MCP server is started",
    ("environment", "healthcheck"): "no health check is run",
}


def _unsupported_settings(path: Path) -> list[str]:
    """A note for each task.toml setting of newer Harbor versions that is not applied."""
    data = _toml(path)
    notes = []
    for (table, key), consequence in UNSUPPORTED.items():
        section = data.get(table)
        if isinstance(section, dict) and key in section:
            notes.append(
                f"task.toml [{table}] {key} = {section[key]!r} is not applied: {consequence}."
            )
    gpus = data.get("environment", {}).get("gpus")
    if isinstance(gpus, int) and gpus > 0:
        notes.append(f"task.toml [environment] gpus = {gpus}: SkillGym's sandboxes have no GPU.")
    return notes
