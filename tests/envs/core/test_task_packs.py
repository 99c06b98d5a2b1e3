"""A task pack with a family of its own, installed with pip, served and played with no edit to SkillGym."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "echo-pack"
version = "0.1.0"

[project.entry-points."skillgym.families"]
echo = "echo_pack.env:EchoEnv"

[project.entry-points."skillgym.tasks"]
echo = "echo_pack.tasks"

[tool.setuptools]
packages = ["echo_pack", "echo_pack.tasks"]

[tool.setuptools.package-data]
"echo_pack.tasks" = ["**/*"]
"""

ENV = '''
"""The echo family: say back the word the instruction names."""

import json
from random import Random
from typing import Any, ClassVar

from skillgym.envs.core.env import Policy, SkillGymEnv
from skillgym.envs.core.generators import generate_episode
from skillgym.envs.core.options import ResetOptions
from skillgym.envs.core.tasks import TaskSpec
from skillgym.envs.core.verification import Check, Verification


class EchoEnv(SkillGymEnv):
    """Say back a word: a family that lives in its own package."""

    family: ClassVar[str] = "echo"
    observation_fields: ClassVar[tuple[str, ...]] = ()
    blocking: ClassVar[bool] = False

    def start_episode(self, spec: TaskSpec, rng: Random, options: ResetOptions) -> dict[str, Any]:
        self._word = generate_episode(spec, rng)["word"]
        return {"word": self._word}

    def observe(self) -> dict[str, str]:
        return {}

    def verify(self) -> Verification:
        said = self.episode.answer or "(nothing)"
        return Verification.from_checks(
            [Check(name="word", passed=said == self._word, expected=self._word, actual=said)]
        )

    def oracle(self) -> Policy:
        word = self._word
        return lambda _observation: json.dumps({"tool": "submit", "args": {"answer": word}})
'''

TASK_YAML = """
id: echo/say-word
version: 1.0.0
family: echo
title: Say the word back
instruction: "Submit the word {word}, exactly."
generator: generate.py
params: {words: [heron, quartz, lantern, meadow]}
difficulty: easy
"""

GENERATE = """
from random import Random

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str]


def generate(rng: Random, params: Params) -> dict[str, str]:
    return {"word": rng.choice(params.words)}
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture(scope="module")
def installed_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pack built from its folder and installed by pip into a site folder of its own."""
    root = tmp_path_factory.mktemp("pack")
    source = root / "echo-pack"
    write(source / "pyproject.toml", PYPROJECT)
    write(source / "echo_pack" / "__init__.py", "")
    write(source / "echo_pack" / "env.py", ENV)
    write(source / "echo_pack" / "tasks" / "__init__.py", "")
    write(source / "echo_pack" / "tasks" / "echo" / "say-word" / "task.yaml", TASK_YAML)
    write(source / "echo_pack" / "tasks" / "echo" / "say-word" / "generate.py", GENERATE)
    site = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    return site


def with_pack(site: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def pack_server(installed_pack: Path) -> Iterator[str]:
    """``skillgym serve`` in a process that sees the pack (and nothing else changed)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "skillgym.cli", "serve", "--port", str(port)],
        env=with_pack(installed_pack),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {process.stderr.read().decode()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_installed_pack_adds_its_family_and_task_to_the_catalogue(pack_server):
    envs = httpx.get(f"{pack_server}/v1/envs").json()["envs"]
    assert "echo" in {env["name"] for env in envs}
    assert "arithmetic" in {env["name"] for env in envs}  # the built-in families stay
    tasks = httpx.get(f"{pack_server}/v1/tasks", params={"family": "echo"}).json()["tasks"]
    assert [(t["id"], t["version"]) for t in tasks] == [("echo/say-word", "1.0.0")]


def test_the_pack_oracle_plays_through_the_server(pack_server, installed_pack):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "skillgym.cli",
            "run",
            "echo/say-word",
            "--policy",
            "oracle",
            "--seed",
            "3",
            "--base-url",
            pack_server,
            "--json",
        ],
        env=with_pack(installed_pack),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["task"], result["reward"], result["success"]) == ("echo/say-word", 1.0, True)


def test_the_pack_no_op_scores_zero_through_the_server(pack_server, installed_pack):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "skillgym.cli",
            "run",
            "echo/say-word",
            "--policy",
            "noop",
            "--base-url",
            pack_server,
            "--json",
        ],
        env=with_pack(installed_pack),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["reward"] == 0.0
