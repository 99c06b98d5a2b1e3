"""Shell commands of a RUN or test.sh: splitting them, what each needs, apt packages."""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import Any

from skillgym.envs.terminal.harbor.paths import writable
from skillgym.envs.terminal.task_files import sandbox_packages

PLAIN_COMMANDS = frozenset(
    {"mkdir", "cp", "mv", "rm", "rmdir", "touch", "echo", "printf", "cat", "ln", "chmod",
     "tar", "gzip", "gunzip", "bzip2", "xz", "zip", "unzip", "sed", "awk", "gawk", "grep",
     "python3", "python", "gcc", "cc", "make", "git", "sort", "uniq", "head", "tail", "cut",
     "tr", "wc", "sqlite3", "jq", "bash", "sh", "cd", "find", "xargs", "seq", "base64",
     "truncate", "dd", "split", "tee", "true", ":", "export", "set", "sha256sum", "md5sum",
     "patch", "diff", "date", "yes", "test", "[", "for", "while", "if", "install"}
)  # fmt: skip
ROOT_COMMANDS = frozenset(
    {"useradd", "adduser", "groupadd", "usermod", "userdel", "chown", "chgrp", "sudo", "su",
     "systemctl", "service", "update-ca-certificates", "ldconfig", "mount", "setcap", "passwd",
     "chpasswd", "locale-gen", "update-alternatives", "dpkg", "dpkg-reconfigure", "apt-key"}
)  # fmt: skip
NETWORK_COMMANDS = frozenset(
    {"pip", "pip3", "uv", "uvx", "npm", "npx", "yarn", "pnpm", "cargo", "rustup", "go", "gem",
     "conda", "mamba", "curl", "wget", "nvm", "add-apt-repository"}
)  # fmt: skip
APT_COMMANDS = frozenset({"apt-get", "apt", "aptitude"})
COMPOUND_WORDS = frozenset({"for", "while", "until", "if", "case", "do", "done", "then", "fi",
                            "esac", "{", "}", "function"})  # fmt: skip
APT_CLEANUP = re.compile(r"^rm\s+-\w*\s+(/var/lib/apt/lists|/var/cache|/root/\.cache|/tmp/)")
ABSOLUTE_PATH = re.compile(r"""(?:^|(?<=[\s=:'"<>(,]))(/[^\s'";|&<>(),`]*)""")


def split_commands(text: str) -> list[str]:
    """Split a shell command line at its top-level ``&&``, ``;`` and newlines.

    Args:
        text: A RUN instruction's shell command.

    Returns:
        The commands, stripped; quotes, ``$(...)`` and parentheses are respected.
    """
    segments: list[str] = []
    current: list[str] = []
    quote: str | None = None
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and quote != "'":
            current.append(text[index : index + 2])
            index += 2
            continue
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and (char in ";\n" or text.startswith("&&", index)):
            segments.append("".join(current))
            current = []
            index += 2 if char == "&" else 1
            continue
        current.append(char)
        index += 1
    segments.append("".join(current))
    return [segment.strip() for segment in segments if segment.strip()]


def is_compound(segments: list[str]) -> bool:
    """Whether commands of :func:`split_commands` hold a loop, conditional or function."""
    return any(segment.split()[0] in COMPOUND_WORDS for segment in segments)


def classify_command(command: str, workdir: str) -> tuple[str, Any]:
    """What to do with one shell command of a RUN.

    Args:
        command: One command (see :func:`split_commands`).
        workdir: The task's workdir: the only place outside ``/tmp`` the agent may write.

    Returns:
        ``("apt", packages)`` for an apt install, ``("skip", None)`` for apt bookkeeping,
        ``("keep", None)`` for a plain command the agent can replay in setup.sh, and
        ``("drop", reason)`` for the rest.
    """
    try:
        words = shlex.split(command)
    except ValueError:
        return "drop", "its quoting cannot be parsed"
    while words and re.match(r"^\w+=", words[0]):
        words = words[1:]
    if not words:
        return "keep", None
    program = posixpath.basename(words[0])
    if program in APT_COMMANDS:
        if "install" in words:
            after = words[words.index("install") + 1 :]
            return "apt", [re.split(r"[=:]", word)[0] for word in after if not word.startswith("-")]
        return "skip", None
    if APT_CLEANUP.match(command):
        return "skip", None
    if program in ROOT_COMMANDS:
        return "drop", f"{program} needs root"
    if program in NETWORK_COMMANDS or (program.startswith("python") and "pip" in words[1:3]):
        return "drop", "it installs or downloads software, and the sandbox has no network"
    if program == "git" and len(words) > 1 and words[1] in ("clone", "fetch", "pull", "submodule"):
        return "drop", f"git {words[1]} needs the network"
    if program not in PLAIN_COMMANDS:
        return "drop", f"{program} is not a plain command SkillGym replays"
    return _paths_verdict(command, words[0], workdir)


def classify_compound(script: str, workdir: str) -> tuple[str, Any]:
    """Like :func:`classify_command`, for a RUN with loops or conditionals: all or nothing.

    Args:
        script: The whole RUN command.
        workdir: The task's workdir.

    Returns:
        ``("keep", None)`` if it names no apt, root-only or network command and uses no
        path outside the workdir and ``/tmp``; else ``("drop", reason)``.
    """
    words = set(re.findall(r"[\w.+-]+", script))
    risky = sorted(words & (APT_COMMANDS | ROOT_COMMANDS | NETWORK_COMMANDS))
    if risky:
        return "drop", f"it runs {risky[0]}, which needs root or the network"
    return _paths_verdict(script, "", workdir)


def _paths_verdict(command: str, program: str, workdir: str) -> tuple[str, Any]:
    """Keep ``command`` unless an absolute path in it (not its program) is out of reach."""
    # `/app${PYTHONPATH:+...}` is /app followed by an expansion: the path is what precedes it
    paths = [match[1].split("$")[0].rstrip("/") or "/" for match in ABSOLUTE_PATH.finditer(command)]
    outside = [
        path
        for path in paths
        if not path.startswith("//") and path != program and not writable(path, workdir)
    ]
    if outside:
        return "drop", f"it uses {outside[0]}, outside the workdir and /tmp"
    return "keep", None


def split_packages(packages: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
    """Split apt packages into those every sandbox has and the others.

    Args:
        packages: Debian package names.
        notes: Gets a warning if the list of sandbox packages cannot be read.

    Returns:
        (in ``containers/terminal/packages.txt``, not in it); without that file (an
        installed copy of SkillGym, not a checkout) every package counts as present.
    """
    available = sandbox_packages()
    if available is None:
        notes.append(
            "containers/terminal/packages.txt is not here (installed package?): apt packages "
            "are kept in sandbox.packages unchecked."
        )
        return list(packages), []
    return [p for p in packages if p in available], [p for p in packages if p not in available]
