import subprocess


def run_program():
    done = subprocess.run(
        ["bash", "/workspace/program.sh"], capture_output=True, text=True, timeout=30
    )
    return done.stdout.split()


def test_the_program_says_hello():
    assert run_program()[:1] == ["hello"]


def test_the_program_then_says_the_secret():
    assert run_program()[1:] == ["a secret that no program prints"]
