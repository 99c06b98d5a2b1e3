"""The README's examples run and print what they say."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_in_process_example_plays_a_whole_episode_to_reward_one(tmp_path):
    example = python_blocks()[0]
    assert 'gym.make("skillgym/Arithmetic-v0"' in example
    result = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    first, last = result.stdout.splitlines()[0], result.stdout.splitlines()[-1]
    assert first == "Add up these 8 integers: -936, -569, 398, -931, -866, 39, 241, -370."
    assert last == "1.0 True"


def test_the_remote_examples_run_against_a_server(base_url, tmp_path):
    remote = [block for block in python_blocks() if "http://127.0.0.1:8000" in block]
    assert len(remote) == 2
    sync, asynchronous = (block.replace("http://127.0.0.1:8000", base_url) for block in remote)
    script = (
        "import asyncio, gymnasium as gym, skillgym\n"
        + sync
        + "env.reset(seed=1)\nenv.close()\n"
        + "async def main():\n"
        + "".join(f"    {line}\n" for line in asynchronous.splitlines())
        + "    print(info['verification']['success'])\n"
        + "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in {"True", "False"}


def test_the_server_settings_table_lists_every_setting_with_its_default():
    from skillgym.hub_server.settings import ServerSettings

    text = README.read_text()
    for name, field in ServerSettings.model_fields.items():
        row = re.search(rf"^\| `SKILLGYM_{name.upper()}` \| `([^`]*)` \|", text, flags=re.M)
        assert row, f"SKILLGYM_{name.upper()} is missing from the README's settings table"
        default = field.default
        shown = (
            "unset"
            if default is None
            else str(int(default) if isinstance(default, bool) else default)
        )
        assert row.group(1) == shown
