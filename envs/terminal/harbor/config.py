"""task.toml: the parts of a Harbor task's configuration an import uses."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from skillgym.envs.core.errors import TaskFormatError

LIMITS = {"memory_mb": (17, 65536), "cpus": (0.1, 64.0), "verifier_timeout": (1.0, 3600.0)}
"""SkillGym's bounds for the ``sandbox`` fields task.toml gives."""


@dataclass(frozen=True)
class HarborConfig:
    """The parts of ``task.toml`` an import uses."""

    difficulty: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    agent_seconds: float | None = None
    verifier_seconds: float | None = None
    cpus: float | None = None
    memory_mb: int | None = None
    gpus: int = 0


def read_config(path: Path) -> HarborConfig:
    """Read the parts of a Harbor ``task.toml`` an import uses.

    Args:
        path: The ``task.toml`` file.

    Returns:
        Difficulty, category and tags of ``[metadata]``, the ``timeout_sec`` of ``[agent]``
        and ``[verifier]``, and ``cpus``, ``memory_mb`` (or ``memory = "2G"``) and ``gpus``
        of ``[environment]``.

    Raises:
        TaskFormatError: If the file is not TOML or a value has the wrong type.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaskFormatError(f"{path}: expects TOML, cannot parse it: {exc}") from None
    metadata = _table(data, "metadata", path)
    environment = _table(data, "environment", path)
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise TaskFormatError(
            f"{path}: [metadata] tags expects a list of strings, actual: {tags!r}"
        )
    memory = _number(environment, "memory_mb", path)
    if memory is None and "memory" in environment:
        memory = _memory_mb(environment["memory"], path)
    cpus = _number(environment, "cpus", path)
    return HarborConfig(
        difficulty=_text(metadata, "difficulty", path),
        category=_text(metadata, "category", path),
        tags=tuple(tags),
        agent_seconds=_number(_table(data, "agent", path), "timeout_sec", path),
        verifier_seconds=_number(_table(data, "verifier", path), "timeout_sec", path),
        cpus=None if cpus is None else float(cpus),
        memory_mb=None if memory is None else int(memory),
        gpus=int(_number(environment, "gpus", path) or 0),
    )


def within_limits(config: HarborConfig, notes: list[str]) -> HarborConfig:
    """``config`` with its memory, CPUs and verifier timeout inside SkillGym's bounds.

    Args:
        config: What :func:`read_config` read.
        notes: Gets a warning for each value that was moved into bounds.

    Returns:
        The config, bounded (see :data:`LIMITS`).
    """
    memory = _limited(config.memory_mb, "memory_mb", notes)
    return replace(
        config,
        memory_mb=None if memory is None else int(memory),
        cpus=_limited(config.cpus, "cpus", notes),
        verifier_seconds=_limited(config.verifier_seconds, "verifier_timeout", notes),
    )


def _limited(value: float | None, key: str, notes: list[str]) -> float | None:
    """``value`` inside SkillGym's bounds for ``sandbox.<key>``, with a note if it moved."""
    if value is None:
        return None
    low, high = LIMITS[key]
    bounded = min(max(value, low), high)
    if bounded != value:
        notes.append(
            f"task.toml asks {key} {value:g}; SkillGym allows {low:g} to {high:g}, so it is {bounded:g}."
        )
    return bounded


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise TaskFormatError(f"{path}: expects [{key}] to be a table, actual value: {table!r}")
    return table


def _text(table: dict[str, Any], key: str, path: Path) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise TaskFormatError(f"{path}: {key} expects a string, actual value: {value!r}")
    return value


def _number(table: dict[str, Any], key: str, path: Path) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        if key == "gpus" and value == 0:
            return 0.0
        raise TaskFormatError(f"{path}: {key} expects a positive number, actual value: {value!r}")
    return float(value)


def _memory_mb(value: Any, path: Path) -> int:
    """``"2G"``, ``"2048M"``, ``"2 GB"``, ``"512Mi"`` (or a number of MB) in MB."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(value), re.IGNORECASE)
    if not match:
        raise TaskFormatError(
            f"{path}: [environment] memory expects a size like '2G' or '2048M', actual value: {value!r}"
        )
    scale = {"k": 1 / 1024, "": 1, "m": 1, "g": 1024, "t": 1024 * 1024}[match[2].lower()]
    return int(float(match[1]) * scale)
