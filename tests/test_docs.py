"""The README and every page under docs/: examples run, commands exist, links resolve.

A Python example runs as its reader would run it, in a fresh interpreter, the blocks of
a page one after the other (a later block may use what an earlier one imported). Every
``print`` in an example says in a comment what it prints (``...`` stands for the rest;
``: why`` after it is explanation), and each call's output is held to that. A shell
block may only hold commands these tests know how to check: ``make`` targets,
``skillgym`` commands and options, ``pip install`` extras and the scripts ``python`` is
given. A TOML example parses and names entry point groups SkillGym reads.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
import subprocess
import sys
import tokenize
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main

from skillgym.cli import build_app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, ROOT / "CONTRIBUTING.md", *sorted(DOCS.rglob("*.md"))]
EXAMPLE_URL = "http://127.0.0.1:8000"
SHELL_LANGUAGES = {"sh", "bash", "shell"}
# Prepended to a page's examples: ends each print call's output with a record separator,
# so a print of several lines is still one output to hold to its comment.
RECORD = "\x1e"
SEPARATE_PRINTS = f"""
import builtins
import sys
_write = builtins.print
def _print(*args, **kwargs):
    _write(*args, **kwargs)
    if kwargs.get("file") in (None, sys.stdout):  # a print to stdout: mark its end
        _write({RECORD!r}, end="", flush=True)
builtins.print = _print
"""
FENCE = re.compile(r"^```(?P<language>[\w-]*)\n(?P<text>.*?)^```$", flags=re.M | re.S)


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    language: str
    text: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path, language: str | set[str] | None = None) -> list[Block]:
    text = page.read_text()
    found = [
        Block(page, match["language"], match["text"], text.count("\n", 0, match.start()) + 1)
        for match in FENCE.finditer(text)
    ]
    wanted = {language} if isinstance(language, str) else language
    return [block for block in found if wanted is None or block.language in wanted]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


PAGES_WITH_PYTHON = [page for page in PAGES if blocks(page, "python")]


# ---------------------------------------------------------------- Python examples


def stated_outputs(source: str, where: str) -> list[str]:
    """What each ``print`` of ``source`` says it prints, in the order they appear."""
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    prints = sorted(
        (
            node
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ),
        key=lambda node: (node.lineno, node.col_offset),
    )
    stated = []
    for call in prints:
        comment = comments.get(call.end_lineno or call.lineno)
        assert comment, f"{where}: the print on line {call.lineno} does not say what it prints"
        stated.append(comment)
    return stated


def prints_what_it_states(output: str, stated: str) -> bool:
    """Whether ``output`` is ``stated``, or ``stated`` cut before a ``: why``."""
    candidates = [stated] + [stated[: cut.start()] for cut in re.finditer(": ", stated)]
    patterns = (".*".join(map(re.escape, candidate.split("..."))) for candidate in candidates)
    return any(re.fullmatch(pattern, output, flags=re.S) for pattern in patterns)


@dataclass(frozen=True)
class PageRun:
    """A page's Python examples run in one interpreter: what each print call printed."""

    outputs: list[str]
    stated: list[str]


@pytest.fixture(scope="module")
def run_page(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Path], PageRun]:
    """Runs a page's examples once per module, against the shared server if they use one."""
    runs: dict[Path, PageRun] = {}

    def run(page: Path) -> PageRun:
        if page not in runs:
            python = blocks(page, "python")
            stated = [line for b in python for line in stated_outputs(b.text, b.where)]
            script = SEPARATE_PRINTS + "\n".join(block.text for block in python)
            if EXAMPLE_URL in script:
                script = script.replace(EXAMPLE_URL, request.getfixturevalue("base_url"))
            done = subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                cwd=tmp_path_factory.mktemp("example"),
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, f"{page_id(page)}'s examples failed:\n{done.stderr}"
            outputs = [output.removesuffix("\n") for output in done.stdout.split(RECORD)]
            assert outputs.pop() == "", f"{page_id(page)} printed after its last print call"
            runs[page] = PageRun(outputs, stated)
        return runs[page]

    return run


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON, ids=page_id)
def test_every_python_example_runs_and_prints_what_it_says(run_page, page):
    run = run_page(page)
    assert len(run.outputs) == len(run.stated), (
        f"{page_id(page)}: expected {len(run.stated)} outputs, one per print call "
        f"({run.stated}), found {len(run.outputs)}: {run.outputs}"
    )
    for output, stated in zip(run.outputs, run.stated, strict=True):
        assert prints_what_it_states(output, stated), (
            f"{page_id(page)}: a print says it prints {stated!r}, it printed {output!r}"
        )


def test_the_readme_plays_an_episode_in_process_then_the_same_one_over_http(run_page):
    python = blocks(README, "python")
    assert 'gym.make("skillgym/Arithmetic-v0"' in python[0].text
    assert EXAMPLE_URL in python[1].text
    instruction, verdict, remote_instruction = run_page(README).outputs
    first_line = instruction.splitlines()[0]
    assert first_line == "Add up these 8 integers: -936, -569, 398, -931, -866, 39, 241, -370."
    assert verdict == "1.0 True"
    assert remote_instruction == instruction


def test_the_async_client_example_plays_eight_sessions_at_once(run_page):
    (example,) = blocks(DOCS / "protocol.md", "python")
    assert "AsyncRemoteEnv(" in example.text and EXAMPLE_URL in example.text
    assert run_page(DOCS / "protocol.md").outputs == [str([1.0] * 8)]


def test_a_print_is_held_to_what_its_comment_says():
    assert prints_what_it_states("1.0 True", "1.0 True: the verifier's score")
    assert prints_what_it_states("Add up these 2 integers: 4, 5.\nSubmit.", "Add up these ...")
    assert not prints_what_it_states("0.0 False", "1.0 True: the verifier's score")
    with pytest.raises(AssertionError, match="does not say what it prints"):
        stated_outputs("print(1)\n", "here")


# ---------------------------------------------------------------- shell blocks


def test_the_readme_opens_with_make_demo_and_make_test():
    text = README.read_text()
    first = blocks(README)[0]
    assert text[: text.index("```")] == "# SkillGym\n\n", (
        "the README opens with its title, then the two commands"
    )
    assert first.language == "sh"
    commands = [line.split("#", 1)[0].strip() for line in first.text.splitlines()]
    assert commands == ["make demo", "make test"]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.M))


def extras() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["optional-dependencies"])


def cli_command(words: list[str]) -> tuple[Any, list[str]]:
    """The ``skillgym`` subcommand ``words`` name (a Click command), and the words after it."""
    command: Any = typer.main.get_command(build_app())
    rest = list(words)
    while getattr(command, "commands", None) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        found = command.commands.get(name)
        assert found, f"skillgym has no command {name!r}; it has {sorted(command.commands)}"
        command = found
    return command, rest


def check_shell_line(argv: list[str]) -> None:
    program, args = argv[0], argv[1:]
    if program == "make":
        missing = set(args) - makefile_targets()
        assert not missing, f"the Makefile has no target {sorted(missing)}"
    elif program == "skillgym":
        command, rest = cli_command(args)
        known = {opt for param in command.params for opt in param.opts}
        used = {word.split("=", 1)[0] for word in rest if word.startswith("--")}
        assert used <= known, f"`skillgym {command.name}` has no option {sorted(used - known)}"
    elif program == "pip":
        assert args[0] == "install", f"expected `pip install`, found `pip {args[0]}`"
        for spec in (word for word in args[1:] if not word.startswith("-")):
            named = re.fullmatch(r"(skillgym|\.)(?:\[([\w,]+)\])?", spec)
            assert named, f"expected skillgym or . with extras, found {spec!r}"
            missing = set((named[2] or "").split(",")) - {""} - extras()
            assert not missing, f"pyproject.toml has no extra {sorted(missing)}"
    elif program in {"python", "python3", ".venv/bin/python"}:
        assert (ROOT / args[0]).is_file(), f"{args[0]} does not exist"
    else:
        raise AssertionError(f"no check for the command {program!r}: add one to this test")


def shell_lines() -> Iterator[tuple[str, str]]:
    for page in PAGES:
        for block in blocks(page, SHELL_LANGUAGES):
            for offset, line in enumerate(block.text.splitlines(), start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    yield f"{page_id(page)}:{block.line + offset}", line


@pytest.mark.parametrize(("where", "line"), [pytest.param(*w, id=w[0]) for w in shell_lines()])
def test_every_shell_command_names_what_exists(where, line):
    argv = shlex.split(line, comments=True)
    try:
        check_shell_line(argv)
    except AssertionError as problem:
        raise AssertionError(f"{where}: `{line.strip()}`: {problem}") from None


def test_the_shell_check_refuses_what_does_not_exist():
    with pytest.raises(AssertionError, match="no command 'teleport'"):
        check_shell_line(["skillgym", "teleport"])
    with pytest.raises(AssertionError, match=re.escape("has no option ['--turbo']")):
        check_shell_line(["skillgym", "run", "arithmetic/sum-list", "--turbo"])
    with pytest.raises(AssertionError, match="no target"):
        check_shell_line(["make", "deploy"])
    with pytest.raises(AssertionError, match="no extra"):
        check_shell_line(["pip", "install", "skillgym[gpu]"])


def test_every_toml_example_parses_and_names_entry_point_groups_skillgym_reads():
    from skillgym.envs.core.registry import FAMILIES_GROUP
    from skillgym.envs.core.tasks import TASK_PACKS_GROUP

    examples = [block for page in PAGES for block in blocks(page, "toml")]
    assert examples, "expected the family guide's entry point example"
    for block in examples:
        groups = set(tomllib.loads(block.text).get("project", {}).get("entry-points", {}))
        unknown = groups - {FAMILIES_GROUP, TASK_PACKS_GROUP}
        assert not unknown, f"{block.where}: SkillGym reads no entry point group {unknown}"


# ---------------------------------------------------------------- text blocks


def test_the_layout_names_folders_that_exist():
    (layout,) = [b for b in blocks(DOCS / "index.md", "") if "hub_server/" in b.text]
    folders = re.findall(r"(?:^|\s{2,})([a-z_]+)/", layout.text, flags=re.M)
    assert len(folders) >= 8
    missing = [folder for folder in folders if not (ROOT / folder).is_dir()]
    assert not missing, f"docs/index.md's layout names folders that do not exist: {missing}"


# ---------------------------------------------------------------- links


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    prose = FENCE.sub("", page.read_text())
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose, flags=re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    prose = re.sub(r"`[^`\n]*`", "`code`", FENCE.sub("", page.read_text()))
    return re.findall(r"\]\(([^)\s]+)\)", prose)


def broken_link(page: Path, target: str) -> str | None:
    """What is wrong with ``target``, a link on ``page``; None when it resolves."""
    if re.match(r"[a-z]+:", target):
        return None
    path, _, anchor = target.partition("#")
    resolved = (page.parent / path).resolve() if path else page
    if not resolved.exists():
        return f"{target}: {resolved.relative_to(ROOT)} does not exist"
    if anchor and anchor not in anchors(resolved):
        return f"{target}: {resolved.relative_to(ROOT)} has no heading #{anchor}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_points_to_a_page_and_heading_that_exist(page):
    broken = [problem for target in links(page) if (problem := broken_link(page, target))]
    assert not broken, f"{page_id(page)} has broken links: {broken}"


def test_the_link_check_finds_a_missing_page_and_a_missing_heading():
    assert slug("Wire protocol (`/v1`)") == "wire-protocol-v1"
    assert slug("Import tasks from Harbor / Terminal-Bench 2") == (
        "import-tasks-from-harbor--terminal-bench-2"
    )
    assert broken_link(README, "docs/protocol.md#the-environment-contract") is None
    assert "does not exist" in (broken_link(README, "docs/nowhere.md") or "")
    assert "no heading" in (broken_link(README, "docs/protocol.md#nowhere") or "")


def test_every_docs_page_is_reachable_from_the_index():
    linked = {(DOCS / target.partition("#")[0]).resolve() for target in links(DOCS / "index.md")}
    unlinked = [
        page_id(p) for p in DOCS.rglob("*.md") if p != DOCS / "index.md" and p not in linked
    ]
    assert not unlinked, f"docs/index.md links no page {unlinked}"


# ---------------------------------------------------------------- settings


def documented_settings() -> set[str]:
    text = "\n".join(page.read_text() for page in PAGES)
    return set(re.findall(r"SKILLGYM_[A-Z0-9_]*[A-Z0-9]", text))


def settings_page() -> str:
    page = DOCS / "settings.md"
    assert page.is_file(), "docs/settings.md, the page of every setting, is missing"
    return page.read_text()


def test_every_setting_a_page_names_is_on_the_settings_page():
    listed = settings_page()
    missing = sorted(name for name in documented_settings() if name not in listed)
    assert not missing, f"docs/settings.md does not list {missing}"


def test_every_server_setting_is_on_the_settings_page():
    from skillgym.hub_server.settings import ServerSettings

    prefix = ServerSettings.model_config.get("env_prefix", "")
    listed = settings_page()
    names = [f"{prefix}{name}".upper() for name in ServerSettings.model_fields]
    missing = [name for name in names if not re.search(rf"\b{name}\b", listed)]
    assert not missing, f"docs/settings.md does not list {missing}"
