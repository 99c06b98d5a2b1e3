"""Family images, built with the real Docker engine: their contract, their cache, their CLI.

The arithmetic image stands for every family here (it is the small one; its layers below
the family's are the same in every image): it builds, runs as uid 1000, serves on its
Unix socket with a passing health check, and a build with nothing changed re-runs no step.
"""

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import httpx
import pytest
import typer
from typer.testing import CliRunner

import skillgym
from skillgym.hub_server.replicas.images import (
    FAMILY_LABEL,
    VERSION_LABEL,
    BuiltImage,
    ImageError,
    build_images,
    image_families,
    image_tag,
    list_images,
)
from skillgym.images_command import add_images_command, readable_age

ROOT = Path(__file__).resolve().parents[3]
TEST_REPOSITORY = "skillgym-test"
"""Images built from a changed source tree are tagged here, never over the real ones."""


@pytest.fixture(scope="module")
def client(docker_engine: None) -> Iterator[docker.DockerClient]:
    engine = docker.from_env(timeout=300)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def arithmetic(client: docker.DockerClient) -> BuiltImage:
    """The arithmetic image, built now (every step cached after the first time here)."""
    base = ROOT / "containers" / "base" / "build-base.sh"
    done = subprocess.run(["sh", str(base)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    (image,) = build_images(["arithmetic"], progress=False)
    return image


def cli(*args: str) -> "typer.testing.Result":
    app = typer.Typer()
    add_images_command(app)
    app.command("other")(lambda: None)  # a group of one command would take its place
    return CliRunner().invoke(app, list(args))


# ------------------------------------------------------------------ without the engine


def test_every_family_with_an_install_script_has_an_image():
    assert image_families() == ["arithmetic", "flight", "spreadsheet", "terminal"]


def test_an_image_is_tagged_with_its_family_and_skillgym_version():
    assert image_tag("flight") == f"skillgym/flight:{skillgym.__version__}"


def test_the_family_part_comes_after_the_shared_layers_and_the_skillgym_wheel_last():
    steps = (ROOT / "containers" / "family.Dockerfile").read_text().rstrip().splitlines()
    shared = steps.index("COPY --from=venv /opt/skillgym /opt/skillgym")
    family = steps.index("COPY family/ /etc/skillgym/family/")
    # an ARG's value keys the cache of every later step: FAMILY only after the shared ones
    assert shared < family < steps.index("ARG FAMILY")
    assert steps[-1] == "COPY --from=app /app/ /opt/skillgym/"


def test_an_unknown_family_is_refused_with_the_closest_name():
    with pytest.raises(
        ImageError, match=re.escape("actual value: 'arithmetc'. Did you mean arithmetic?")
    ):
        build_images(["arithmetc"], progress=False)


def test_without_an_engine_the_error_says_how_to_start_one(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tempfile.gettempdir()}/no-such-docker.sock")
    with pytest.raises(ImageError, match=re.escape("start it with `make docker`")):
        build_images(["arithmetic"], progress=False)
    with pytest.raises(ImageError, match="does not answer"):
        list_images()


def test_ages_read_in_their_largest_whole_unit():
    from datetime import timedelta

    assert readable_age(timedelta(seconds=20)) == "just now"
    assert readable_age(timedelta(minutes=1, seconds=59)) == "1 minute"
    assert readable_age(timedelta(days=3, hours=23)) == "3 days"


# ------------------------------------------------------------------ with the engine


def test_the_image_carries_its_family_and_version_labels(client, arithmetic):
    image = client.images.get(arithmetic.tag)
    assert image.labels[FAMILY_LABEL] == "arithmetic"
    assert image.labels[VERSION_LABEL] == skillgym.__version__
    assert f"skillgym/arithmetic:{skillgym.__version__}" in image.tags
    assert "skillgym/arithmetic:latest" in image.tags


def test_the_image_declares_the_replica_contract(client, arithmetic):
    config = client.images.get(arithmetic.tag).attrs["Config"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert config["User"] == "skillgym"
    assert config["WorkingDir"] == "/home/skillgym"
    assert config["Cmd"] == ["skillgym", "serve"]
    assert config["Healthcheck"]["Test"] == [
        "CMD",
        "python",
        "-m",
        "skillgym.hub_server.replicas.healthcheck",
    ]
    assert env["PATH"].startswith("/opt/skillgym/bin:")
    assert {k: env[k] for k in ("SKILLGYM_FAMILIES", "SKILLGYM_DATABASE_URL", "SKILLGYM_UDS")} == {
        "SKILLGYM_FAMILIES": "arithmetic",
        "SKILLGYM_DATABASE_URL": "none",
        "SKILLGYM_UDS": "/run/skillgym/server.sock",
    }


def test_the_server_runs_as_uid_1000_not_root(client, arithmetic):
    out = client.containers.run(
        arithmetic.tag,
        ["sh", "-c", "id -u; id -gn; echo $HOME; stat -c %U /run/skillgym"],
        network_mode="none",
        remove=True,
    )
    assert out.decode().split() == ["1000", "skillgym", "/home/skillgym", "skillgym"]


def test_the_image_serves_on_its_unix_socket_and_reports_healthy(client, arithmetic):
    sockets = Path(tempfile.mkdtemp(prefix="skillgym-image-test-"))
    sockets.chmod(0o777)  # the container's user (uid 1000) makes the socket there
    container = client.containers.run(
        arithmetic.tag,
        detach=True,
        network_mode="none",
        volumes={str(sockets): {"bind": "/run/skillgym", "mode": "rw"}},
    )
    try:
        transport = httpx.HTTPTransport(uds=str(sockets / "server.sock"))
        with httpx.Client(transport=transport, base_url="http://replica", timeout=30) as http:
            assert wait_for(lambda: http.get("/healthz").json() == {"status": "ok"})
            assert [e["name"] for e in http.get("/v1/envs").json()["envs"]] == ["arithmetic"]
            session = http.post(
                "/v1/sessions",
                json={"env": "arithmetic", "task": "arithmetic/sum-list@1.0.0", "seed": 7},
            ).json()["session_id"]
            observation = http.post(f"/v1/sessions/{session}/reset", json={"seed": 7}).json()
            assert observation["observation"]["instruction"].startswith("Add up these 8 integers")
            action = '{"tool": "calculate", "args": {"expression": "2 + 3"}}'
            step = http.post(f"/v1/sessions/{session}/step", json={"action": action}).json()
            assert step["observation"]["output"] == "2 + 3 = 5"

        def healthy() -> bool:
            container.reload()
            return container.attrs["State"]["Health"]["Status"] == "healthy"

        assert wait_for(healthy, timeout_s=30)
    finally:
        container.remove(force=True)
        shutil.rmtree(sockets, ignore_errors=True)


def test_list_images_reports_the_built_image(arithmetic):
    (info,) = [i for i in list_images() if i.family == "arithmetic"][:1]
    assert (info.tag, info.version, info.image_id) == (
        arithmetic.tag,
        skillgym.__version__,
        arithmetic.image_id,
    )
    assert info.size_bytes == arithmetic.size_bytes > 0
    assert info.age.total_seconds() >= 0


def test_a_second_build_with_nothing_changed_runs_no_step(arithmetic):
    (again,) = build_images(["arithmetic"], progress=False)
    assert again.rebuilt == ()
    assert again.image_id == arithmetic.image_id
    assert "---> Using cache" in again.log


def test_a_source_change_rebuilds_only_the_last_layer(client, arithmetic, tmp_path):
    source = copy_of_the_source(tmp_path / "source")
    init = source / "skillgym" / "__init__.py"
    init.write_text(init.read_text() + "\n# a change, as a commit would make\n")
    (changed,) = build_images(
        ["arithmetic"], progress=False, source=source, repository=TEST_REPOSITORY
    )
    try:
        before = client.api.inspect_image(arithmetic.image_id)["RootFS"]["Layers"]
        after = client.api.inspect_image(changed.image_id)["RootFS"]["Layers"]
        assert len(after) == len(before)
        assert after[:-1] == before[:-1]
        assert after[-1] != before[-1]
        assert changed.rebuilt[-1].endswith("COPY --from=app /app/ /opt/skillgym/")
        assert not any("install.sh" in step or "--requirement" in step for step in changed.rebuilt)
    finally:
        remove_build(client, changed)


def test_the_cli_builds_and_lists_the_images(arithmetic):
    built = cli("images", "build", "--family", "arithmetic", "--quiet")
    assert built.exit_code == 0, built.output
    assert re.search(
        rf"^{re.escape(arithmetic.tag)} +\d+ MB +[\d.]+ s  cached$", built.output, re.M
    )
    listed = cli("images", "list")
    assert listed.exit_code == 0, listed.output
    assert re.search(rf"^{re.escape(arithmetic.tag)} +arithmetic +\d+ MB  ", listed.output, re.M)


def test_a_base_that_is_neither_here_nor_pullable_says_how_the_default_is_built(client):
    with pytest.raises(ImageError, match=re.escape("sh containers/base/build-base.sh")):
        build_images(["arithmetic"], base="skillgym/no-such-base:0", progress=False)


# ------------------------------------------------------------------ helpers


def wait_for(check, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def copy_of_the_source(target: Path) -> Path:
    """What an image is built from: pyproject.toml, its files and packages, containers/."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*_cache")
    target.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    for folder in ("skillgym", "envs", "hub_server", "clients", "tasks", "containers"):
        shutil.copytree(ROOT / folder, target / folder, ignore=ignore)
    return target


def remove_build(client: docker.DockerClient, image: BuiltImage) -> None:
    """Remove a test build: its tags, then the cache images its rebuilt steps made."""
    repository = image.tag.rpartition(":")[0]
    for tag in (image.tag, f"{repository}:latest"):
        client.api.remove_image(tag)
    made, rebuilt = [], False
    for line in image.log.splitlines():
        if line.startswith("Step "):
            rebuilt = line in image.rebuilt
        elif rebuilt and (found := re.fullmatch(r" ---> ([0-9a-f]{12})", line)):
            made.append(found[1])
    for image_id in reversed(made):
        try:
            client.api.remove_image(image_id)
        except docker.errors.NotFound:  # gone with the image built on it
            pass
