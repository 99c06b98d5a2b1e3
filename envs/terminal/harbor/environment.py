"""environment/: the Dockerfile's last stage carried over as a plan, fixtures/ and setup.sh.

Only the last stage counts (ARGs before the first FROM give their defaults): its final
WORKDIR is the task's workdir, its apt packages the sandbox's, its ENV the sandbox's
``env``, its COPY/ADD into the workdir the fixtures, and its plain RUN steps setup.sh.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from pathlib import Path

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.terminal.harbor.commands import (
    classify_command,
    classify_compound,
    is_compound,
    split_commands,
    split_packages,
)
from skillgym.envs.terminal.harbor.copies import copy_files
from skillgym.envs.terminal.harbor.dockerfile import (
    DEFAULT_WORKDIR,
    EnvironmentPlan,
    Instruction,
    dockerfile_instructions,
    expand,
)
from skillgym.envs.terminal.harbor.paths import inside
from skillgym.envs.terminal.harbor.scripts import as_python3, short
from skillgym.envs.terminal.sandbox import SANDBOX_PATH, VERIFIER_ENV, SandboxSpec

KNOWN_BASES = ("ubuntu", "debian", "python", "buildpack-deps")
IGNORED_KEYWORDS = frozenset({"USER", "EXPOSE", "LABEL", "SHELL", "STOPSIGNAL", "HEALTHCHECK",
                              "VOLUME", "MAINTAINER", "ONBUILD"})  # fmt: skip
PINNED = re.compile(r"(?<![\S=])([a-z0-9][a-z0-9.+-]*)=(\S+)")
"""``name=version`` words of an apt-get install."""
SANDBOX_PYTHON = "3.11"
"""The python3 of the terminal sandbox (Debian 12's)."""
SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SANDBOX_ENV = frozenset({*VERIFIER_ENV, "USER", "LOGNAME", "SHELL", "TERM", "LC_ALL", "LANGUAGE"})
"""Variables the sandbox sets itself (its PATH, the agent's HOME, C.UTF-8, the verifier's
scratch): an ENV of them is exported in setup.sh only, never put in ``sandbox.env``."""
QUIET_ENV = frozenset({"LANG", "LC_ALL", "LANGUAGE", "TERM"})
"""Of those, the ones whose Dockerfile value is not worth a warning."""


def convert_environment(
    environment: Path, folder: Path, base_image: str | None, notes: list[str]
) -> EnvironmentPlan:
    """Read environment/Dockerfile; write fixtures/ and setup.sh into ``folder``.

    Args:
        environment: The Harbor task's ``environment/`` (the build context).
        folder: The new task's folder.
        base_image: The image the task is given, if any (no warning about FROM then).
        notes: Gets a warning for each part of the Dockerfile that is not carried over.

    Returns:
        The plan: workdir, packages, variables; the default plan without a Dockerfile.

    Raises:
        TaskFormatError: If the final WORKDIR cannot be a SkillGym workdir.
    """
    dockerfile = environment / "Dockerfile"
    if not dockerfile.is_file():
        found = "environment/ has no Dockerfile" if environment.is_dir() else "no environment/"
        notes.append(f"{found}: the workdir is {DEFAULT_WORKDIR} and the workspace starts empty.")
        return EnvironmentPlan()
    instructions = dockerfile_instructions(dockerfile.read_text(encoding="utf-8"))
    stages = [i for i, instruction in enumerate(instructions) if instruction.keyword == "FROM"]
    plan = EnvironmentPlan()
    for instruction in instructions[: stages[0] if stages else 0]:
        if instruction.keyword == "ARG":
            _argument(instruction.arguments, plan)
    stage = instructions[stages[-1] :] if stages else instructions
    plan.workdir = _final_workdir(stage, plan.variables)
    cwd = "/"
    for instruction in stage:
        cwd = _apply(instruction, cwd, plan, environment, folder / "fixtures", base_image, notes)
    if (
        plan.base is not None
        and _image_name(plan.base) == "python"
        and "python3" not in plan.packages
    ):
        plan.packages.append("python3")  # the image's own interpreter; the sandbox's is Debian's
    _write_setup(plan, folder / "setup.sh")
    return plan


def _final_workdir(stage: list[Instruction], variables: dict[str, str]) -> str:
    workdir: str | None = None
    for instruction in stage:
        if instruction.keyword == "WORKDIR":
            workdir = _changed_directory(workdir or "/", instruction.arguments, variables)
    workdir = workdir or DEFAULT_WORKDIR
    try:
        SandboxSpec(workdir=workdir)
    except ValueError:
        raise TaskFormatError(
            f"environment/Dockerfile: WORKDIR {workdir} cannot be a SkillGym workdir "
            "(expects an absolute directory of its own like /app, not a system or home directory)"
        ) from None
    return workdir


def _changed_directory(cwd: str, arguments: str, variables: dict[str, str]) -> str:
    """The directory a ``WORKDIR arguments`` in ``cwd`` goes to."""
    target = expand(arguments.strip().strip("\"'"), variables)
    return posixpath.normpath(posixpath.join(cwd, target))


def _apply(
    instruction: Instruction,
    cwd: str,
    plan: EnvironmentPlan,
    context: Path,
    fixtures: Path,
    base_image: str | None,
    notes: list[str],
) -> str:
    """Carry one instruction over; return the working directory after it."""
    keyword, arguments, where = instruction.keyword, instruction.arguments, instruction.where
    if keyword == "FROM":
        plan.base = next((word for word in arguments.split() if not word.startswith("--")), None)
        version = re.match(r"python:(3\.\d+)", (plan.base or "").split("/")[-1])
        if base_image is None and version and version[1] != SANDBOX_PYTHON:
            notes.append(
                f"{where}: FROM {plan.base}: the sandbox's python3 is Debian 12's "
                f"{SANDBOX_PYTHON}, not {version[1]}."
            )
        if (
            base_image is None
            and plan.base is not None
            and _image_name(plan.base) not in KNOWN_BASES
        ):
            notes.append(
                f"{where}: FROM {plan.base}: the sandbox is SkillGym's terminal image, "
                "which lacks what that image adds; pass base_image= for an image that has it."
            )
    elif keyword == "WORKDIR":
        cwd = _changed_directory(cwd, arguments, plan.variables)
        plan.known_dirs.add(cwd)
    elif keyword == "ARG":
        _argument(arguments, plan)
    elif keyword == "ENV":
        _environment_variables(instruction, plan, notes)
    elif keyword in ("COPY", "ADD"):
        copy_files(instruction, cwd, plan, context, fixtures, notes)
    elif keyword == "RUN":
        _run(instruction, cwd, plan, notes)
    elif keyword in ("CMD", "ENTRYPOINT"):
        if _program(arguments) not in ("bash", "sh", "sleep", "tail", ""):
            notes.append(
                f"{where}: {keyword} {arguments} is not run; a service it starts is not running."
            )
    elif keyword not in IGNORED_KEYWORDS:
        notes.append(f"{where}: unknown instruction {keyword}; ignored.")
    return cwd


def _program(arguments: str) -> str:
    """The program a CMD or ENTRYPOINT starts (exec or shell form)."""
    try:
        words = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
    except (json.JSONDecodeError, ValueError):
        return "?"
    return posixpath.basename(str(words[0])) if words else ""


def _image_name(image: str) -> str:
    """``python`` for ``docker.io/library/python:3.13-slim@sha256:...``."""
    return image.split("@")[0].split(":")[0].rsplit("/", 1)[-1]


def _argument(arguments: str, plan: EnvironmentPlan) -> None:
    name, _, default = arguments.strip().partition("=")
    if name and name not in plan.variables:
        plan.variables[name] = default.strip("\"'")


# ---- ENV ----------------------------------------------------------------------------------


def _environment_variables(
    instruction: Instruction, plan: EnvironmentPlan, notes: list[str]
) -> None:
    """An ENV: its variables for ``sandbox.env`` and setup.sh, or a warning why not."""
    where, arguments = instruction.where, instruction.arguments
    try:
        words = shlex.split(arguments)
    except ValueError:
        notes.append(f"{where}: cannot parse ENV {arguments}; ignored.")
        return
    if words and "=" not in words[0]:  # legacy form: ENV NAME value with spaces
        pairs = [(words[0], " ".join(words[1:]))]
    else:
        pairs = [(word.partition("=")[0], word.partition("=")[2]) for word in words]
    for key, raw in pairs:
        value = expand(raw, {"PATH": SANDBOX_PATH, **plan.variables})
        plan.variables[key] = value
        if not SHELL_NAME.fullmatch(key):
            notes.append(
                f"{where}: ENV {key}={raw} is not carried over: {key!r} is not a variable name "
                "a shell can set."
            )
            continue
        plan.exports.append(f"export {key}={shlex.quote(value)}")  # as Docker expanded it
        if key.startswith("SKILLGYM_"):
            notes.append(
                f"{where}: ENV {key}={raw} is set for setup.sh only: SKILLGYM_* names are "
                "SkillGym's own."
            )
        elif key in SANDBOX_ENV:
            if key not in QUIET_ENV:
                notes.append(
                    f"{where}: ENV {key}={raw} is set for setup.sh only: the sandbox sets its "
                    f"own {key}."
                )
        else:
            plan.env[key] = value


# ---- RUN and setup.sh ---------------------------------------------------------------------


def _run(instruction: Instruction, cwd: str, plan: EnvironmentPlan, notes: list[str]) -> None:
    """Record a RUN's apt packages; keep its plain steps for setup.sh; warn about the rest."""
    where = instruction.where
    if instruction.heredoc:
        notes.append(
            f"{where}: RUN with a heredoc is not carried over: {instruction.arguments.splitlines()[0]}"
        )
        return
    text = instruction.arguments
    if text.startswith("["):
        try:
            text = shlex.join(json.loads(text))
        except (json.JSONDecodeError, TypeError):
            notes.append(f"{where}: cannot parse RUN {text}; not carried over.")
            return
    segments = split_commands(text)
    if is_compound(segments):
        verdicts = [(text, classify_compound(text, plan.workdir))]
    else:
        verdicts = [(segment, classify_command(segment, plan.workdir)) for segment in segments]
    kept: list[str] = []
    for segment, (verdict, detail) in verdicts:
        if verdict == "apt":
            _apt_packages(detail, where, plan, notes)
            for name, pinned in PINNED.findall(segment.split("install", 1)[-1]):
                notes.append(
                    f"{where}: apt package {name}={pinned}: the sandbox has the Debian 12 "
                    f"version of {name}, not {pinned}."
                )
        elif verdict == "keep":
            kept.append(as_python3(segment))
            if kept[-1] != segment:
                notes.append(
                    f"{where}: `python` runs as python3 in setup.sh (the sandbox has no `python`)."
                )
        elif verdict == "drop":
            notes.append(f"{where}: RUN step `{short(segment)}` is not carried over: {detail}.")
    if kept:
        directory = cwd if inside(cwd, plan.workdir) is not None else plan.workdir
        plan.setup.append("(\n" + f"cd {shlex.quote(directory)}\n" + "\n".join(kept) + "\n)")


def _apt_packages(packages: list[str], where: str, plan: EnvironmentPlan, notes: list[str]) -> None:
    present, missing = split_packages(packages, notes)
    plan.packages.extend(p for p in present if p not in plan.packages)
    if missing:
        notes.append(
            f"{where}: apt packages {', '.join(missing)} are not in "
            "containers/terminal/packages.txt; the sandbox lacks them."
        )


def _write_setup(plan: EnvironmentPlan, path: Path) -> None:
    if not plan.setup:
        return
    lines = [
        "# Generated from environment/Dockerfile by skillgym.envs.terminal.harbor: the RUN steps",
        "# that need neither root nor the network, replayed as the agent (each in its directory).",
        "set -e",
        *plan.exports,
        *plan.setup,
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
