import json
import subprocess
from pathlib import Path

PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())


def run_program():
    done = subprocess.run(
        ["bash", "/workspace/program.sh"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/workspace",
    )
    return done.stdout.strip()


def test_the_program_prints_the_secret():
    assert run_program() == PARAMS["expected"]["secret"]


def test_the_program_prints_it_again():
    assert run_program() == PARAMS["expected"]["secret"]
