"""The terminal family's heuristic baseline: a few generic shell commands the words suggest.

A rule-based agent that reads the instruction once, looks around (``ls``), then runs
the textbook command for each request it recognises and submits:

- "In the [S] section, set `K` to V": edit that key of that section in place (after the
  ``.bak`` copy the instruction asks for);
- "merge `B` into `main`": ``git merge``, and on a conflict keep the branch's side;
- a permission policy ("`bin/`: the dir 0750; every file in it 0750"): ``chmod`` each
  listed tree with ``find``, and delete the swap files it names;
- "Build X.db (SQLite)" from "the CSVs in D": import every CSV as a table of text columns.

It ignores the details (exceptions, cleaning, ordering, the finer rules), and it writes
no script a task asks for; so it scores on a few tasks only, and partly.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable

SECTION_SET = re.compile(r"In the \[([^\]]+)\] section, set `([^`]+)` to ([^\s.]+(?:\.\d+)?)")
CONFIG_FILE = re.compile(r"config (/\S+?)[,.]?(?:\s|$)")
BACKUP = re.compile(r"copy of the original next to it as (/\S+?\.bak)")
MERGE = re.compile(r"merge `([^`]+)` into `([^`]+)`")
REPOSITORY = re.compile(r"repository (/\S+)")
TREE = re.compile(r"the tree at (/\S+)")
PERMISSION_LINE = re.compile(r"^- .*?`([^`]+)`.*\b\d{4}\b.*$", re.MULTILINE)
MODE_AFTER = r"{word}\w*\b[^;0-9]*?(\d{{4}})"
SWAP_FILES = re.compile(r"delete every [\w ]*file \(name ending in `([^`]+)`\)")
DATABASE = re.compile(r"Build (/\S+\.db) \(SQLite\)")
CSV_FOLDER = re.compile(r"CSVs in (/\S+?)/?\s")
LOOK_AROUND = "pwd; ls -la"

SET_KEY_SCRIPT = r"""import re, sys
path, section, key, value = sys.argv[1:]
lines = open(path).read().split("\n")
current = None
for i, line in enumerate(lines):
    header = re.match(r"\s*\[([^\]]+)\]", line)
    if header:
        current = header.group(1)
        continue
    setting = re.match(r"(\s*" + re.escape(key) + r"\s*=\s*)(.*?)(\s*)$", line)
    if current == section and setting:
        lines[i] = setting.group(1) + value + setting.group(3)
open(path, "w").write("\n".join(lines))
"""

IMPORT_CSV_SCRIPT = r"""import csv, pathlib, sqlite3, sys
database, folder = sys.argv[1:]
with sqlite3.connect(database) as db:
    for path in sorted(pathlib.Path(folder).glob("*.csv")):
        rows = list(csv.reader(path.open(newline="", encoding="utf-8", errors="replace")))
        if not rows:
            continue
        columns = ", ".join(f'"{name.strip()}" TEXT' for name in rows[0])
        db.execute(f'CREATE TABLE IF NOT EXISTS "{path.stem}" ({columns})')
        marks = ", ".join("?" for _ in rows[0])
        body = [r for r in rows[1:] if len(r) == len(rows[0])]
        db.executemany(f'INSERT INTO "{path.stem}" VALUES ({marks})', body)
"""


def python_here(script: str, *args: str) -> str:
    """A command running ``script`` with ``python3`` from a here-document, with ``args``."""
    quoted = " ".join(shlex.quote(a) for a in args)
    return f"python3 - {quoted} <<'PY'\n{script}PY"


def flat(instruction: str) -> str:
    """The instruction on one line (its words joined by single spaces)."""
    return " ".join(instruction.split())


def unwrapped(instruction: str) -> str:
    """The instruction with each list item's continuation lines joined to the item."""
    return re.sub(r"\n[ \t]+", " ", instruction)


def config_edits(instruction: str) -> list[str]:
    """Back up the config, then set each "In the [S] section, set `K` to V" in place."""
    text = flat(instruction)
    edits = SECTION_SET.findall(text)
    config = CONFIG_FILE.search(text)
    if not edits or config is None:
        return []
    path = config.group(1)
    commands = [f"cp -p {shlex.quote(path)} {shlex.quote(b)}" for b in BACKUP.findall(text)[:1]]
    for section, key, value in edits:
        commands.append(python_here(SET_KEY_SCRIPT, path, section, key, value))
    return commands


def merge_branch(instruction: str) -> list[str]:
    """``git merge`` the branch; on a conflict take the branch's side of every file."""
    text = flat(instruction)
    merge, repository = MERGE.search(text), REPOSITORY.search(text)
    if merge is None or repository is None:
        return []
    branch, target = (shlex.quote(x) for x in merge.groups())
    return [
        f"cd {shlex.quote(repository.group(1).rstrip('.,'))} && git checkout {target} && git status",
        f"git merge --no-edit {branch} || {{ git checkout --theirs -- . && git add -A "
        "&& git commit --no-edit; }",
        "git log --oneline -3; git status --short",
    ]


def chmod_commands(line: str) -> list[str]:
    """``find ... chmod`` for one policy line: its dirs' mode, then its files' mode."""
    path = PERMISSION_LINE.match(line)
    assert path is not None
    target = shlex.quote(path.group(1).rstrip("/") or ".")
    commands = []
    dirs = re.search(MODE_AFTER.format(word="dir"), line)
    if dirs:
        depth = "-maxdepth 0 " if "the dir" in line or "directory" in line else ""
        commands.append(f"find {target} {depth}-type d -exec chmod {dirs.group(1)} {{}} +")
    files = re.search(MODE_AFTER.format(word="file"), line)
    if files:
        depth = "-maxdepth 1 " if "directly" in line or " in it" in line else ""
        commands.append(f"find {target} {depth}-type f -exec chmod {files.group(1)} {{}} +")
    return commands


def permission_policy(instruction: str) -> list[str]:
    """``chmod`` each tree the policy lists, in its order; delete the swap files it names."""
    text = unwrapped(instruction)
    tree = TREE.search(flat(instruction))
    lines = [m.group(0) for m in PERMISSION_LINE.finditer(text)]
    if tree is None or not lines:
        return []
    commands = [f"cd {shlex.quote(tree.group(1).rstrip('.,'))}"]
    for line in lines:
        commands += chmod_commands(line)
    for suffix in SWAP_FILES.findall(flat(instruction)):
        commands.append(f"find . -type f -name {shlex.quote('*' + suffix)} -delete")
    return [" && ".join(commands), "ls -laR | head -50"]


def csv_to_sqlite(instruction: str) -> list[str]:
    """Import every CSV of the folder named into the database named, one table each."""
    text = flat(instruction)
    database, folder = DATABASE.search(text), CSV_FOLDER.search(text)
    if database is None or folder is None:
        return []
    return [
        python_here(IMPORT_CSV_SCRIPT, database.group(1), folder.group(1)),
        f"sqlite3 {shlex.quote(database.group(1))} .tables || true",
    ]


RULES: tuple[Callable[[str], list[str]], ...] = (
    config_edits,
    merge_branch,
    permission_policy,
    csv_to_sqlite,
)


def plan_commands(instruction: str) -> list[str]:
    """Look around, then every command the instruction's recognised requests call for."""
    commands = [LOOK_AROUND]
    for rule in RULES:
        commands += rule(instruction)
    return commands


class GenericCommandsPolicy:
    """Run the planned commands one per step, then submit.

    Example:
        >>> policy = GenericCommandsPolicy()
        >>> json.loads(policy({"instruction": "Tidy up /workspace."}))["args"]["command"]
        'pwd; ls -la'
        >>> json.loads(policy({}))["tool"]
        'submit'
    """

    def __init__(self) -> None:
        self._commands: list[str] | None = None

    def __call__(self, observation: dict[str, str]) -> str:
        """The next command, or ``submit`` when none is left."""
        if self._commands is None:
            self._commands = plan_commands(observation.get("instruction", ""))
        if not self._commands:
            return json.dumps({"tool": "submit", "args": {}})
        command = self._commands.pop(0)
        return json.dumps({"tool": "run", "args": {"command": command}})
