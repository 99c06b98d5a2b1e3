"""task.yaml: the instruction, title, difficulty, tags, limits and sandbox of an imported task."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.terminal.harbor.config import HarborConfig
from skillgym.envs.terminal.harbor.dockerfile import EnvironmentPlan
from skillgym.envs.terminal.sandbox import SandboxSpec

DEFAULT_AGENT_SECONDS = 900.0
MAX_STEPS = 50
DIFFICULTIES = {"easy": "easy", "medium": "medium", "hard": "hard", "trivial": "easy"}
BASE_TAGS = ("terminal", "imported", "harbor")
HEADER = "# Imported from a Harbor task by skillgym.envs.terminal.harbor; review before use.\n"


def task_fields(
    instruction: str,
    slug: str,
    version: str,
    config: HarborConfig,
    plan: EnvironmentPlan,
    test_packages: list[str],
    base_image: str | None,
    notes: list[str],
) -> dict[str, Any]:
    """The fields of the task's ``task.yaml``.

    Args:
        instruction: The text of ``instruction.md``.
        slug: The task's name.
        version: The task's version.
        config: task.toml, within SkillGym's limits.
        plan: What the Dockerfile gives the task.
        test_packages: The apt packages the tests install that the sandbox has.
        base_image: The Docker image for ``sandbox.image``, if any.
        notes: Gets a warning for what task.toml asks that SkillGym does not give.

    Returns:
        The fields, in task.yaml's order.

    Raises:
        TaskFormatError: If the sandbox section is not a valid :class:`SandboxSpec`.
    """
    instruction = instruction.strip() + "\n"
    return {
        "id": f"terminal/{slug}",
        "version": version,
        "family": "terminal",
        "title": title_of(instruction),
        "instruction": instruction.replace("{", "{{").replace("}", "}}"),
        "generator": "static",
        "limits": {"max_steps": MAX_STEPS, "max_seconds": _seconds(config.agent_seconds)},
        "difficulty": _difficulty(config.difficulty, notes),
        "tags": list(dict.fromkeys([*BASE_TAGS, *_tags(config)])),
        "sandbox": _sandbox_fields(config, plan, test_packages, base_image, notes),
    }


def title_of(instruction: str) -> str:
    """A one-line title: the instruction's heading, or its first sentence; at most 100 characters.

    Args:
        instruction: The text of ``instruction.md``.

    Returns:
        The first line's text if it is a heading, else the first paragraph's first sentence
        (cut at a word if even that is too long).
    """
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", instruction.strip())]
    if not paragraphs or not paragraphs[0]:
        return "Imported Harbor task"
    heading = re.match(r"#+\s*(.+)", instruction.strip().splitlines()[0])
    first = (heading[1] if heading else paragraphs[0]).strip("*_ ") or "Imported Harbor task"
    sentence = re.match(r"(.{10,}?[.!?:])(\s|$)", first)
    if sentence and not heading:
        first = sentence[1].rstrip(":")
    if len(first) <= 100:
        return first
    return first[:97].rsplit(" ", 1)[0] + "..."


def _tags(config: HarborConfig) -> list[str]:
    found = [config.category] if config.category else []
    return [tag.strip().lower() for tag in [*found, *config.tags] if tag.strip()]


def _seconds(value: float | None) -> float | int:
    seconds = value if value is not None else DEFAULT_AGENT_SECONDS
    return int(seconds) if float(seconds).is_integer() else seconds


def _difficulty(value: str | None, notes: list[str]) -> str:
    if value is None:
        notes.append("task.toml gives no [metadata] difficulty; the task is rated medium.")
        return "medium"
    mapped = DIFFICULTIES.get(value.strip().lower())
    if mapped is None:
        notes.append(
            f"task.toml difficulty {value!r} is not easy, medium or hard; the task is rated medium."
        )
        return "medium"
    return mapped


def _sandbox_fields(
    config: HarborConfig,
    plan: EnvironmentPlan,
    test_packages: list[str],
    base_image: str | None,
    notes: list[str],
) -> dict[str, Any]:
    sandbox: dict[str, Any] = {
        "workdir": plan.workdir,
        "packages": list(dict.fromkeys([*plan.packages, *test_packages])),
        # Harbor's tests read their files (expected outputs, test.sh) while they run
        "hide_tests": False,
    }
    if plan.env:
        sandbox["env"] = dict(plan.env)
    resources = {
        "memory_mb": config.memory_mb,
        "cpus": config.cpus,
        "verifier_timeout": config.verifier_seconds,
    }
    sandbox.update({key: value for key, value in resources.items() if value is not None})
    if config.gpus:
        notes.append(f"task.toml asks for {config.gpus} GPU(s); SkillGym sandboxes have none.")
    if base_image is not None:
        sandbox["image"] = base_image
        notes.append(
            f"sandbox.image is {base_image}: it is used by the docker sandbox only; "
            "the bwrap sandbox runs on the host's /usr."
        )
    try:
        SandboxSpec.model_validate(sandbox)
    except ValueError as exc:
        raise TaskFormatError(f"The imported sandbox section is invalid: {exc}") from None
    return sandbox


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so task.yaml reads like the reference task."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


_Dumper.add_representer(str, _represent_text)


def write_task_yaml(path: Path, task: dict[str, Any]) -> None:
    """Write ``task`` (see :func:`task_fields`) as ``path``, multi-line strings as blocks."""
    body = yaml.dump(task, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(HEADER + body, encoding="utf-8")
