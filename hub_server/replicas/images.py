"""Family images: one Docker image per environment family, built here with no registry.

Every family with a ``containers/<family>/install.sh`` gets an image, built from the one
``containers/family.Dockerfile`` with ``--build-arg FAMILY=<family>``, tagged
``skillgym/<family>:<version>`` and ``:latest``, labelled with its family and version. It
runs ``skillgym serve`` as the user ``skillgym`` (uid 1000) on the Unix socket
``/run/skillgym/server.sock``, with a health check. :func:`build_images` builds them
through the Docker SDK (the classic builder, ``--network host`` for apt) from a build
context it assembles in a temporary folder:

- ``wheels/`` and ``requirements.txt``: the wheelhouse of ``skillgym[hub]``'s dependencies,
  built once on the host by ``pip wheel`` into ``$SKILLGYM_CACHE/wheelhouse/<hash of
  pyproject.toml>/``, and their pinned closure, resolved offline against it;
- ``app/``: the skillgym wheel of the source tree (kept by a hash of the files it is built
  from, so an unchanged tree gives the same bytes and Docker's cache hits);
- ``pip.whl``: pip, which the build runs from its wheel; ``family/``: the family's folder,
  whose ``install.sh`` the build runs as root (its system packages).

The layers are base -> user -> venv (the same in every family image) -> the family's
system packages -> skillgym, so a code change rebuilds only the last layer, and a build
with nothing changed is all cache hits. The base is ``skillgym/python-base``, bootstrapped
offline by ``containers/base/build-base.sh``, or any Python 3.11 image (``base=``).

Example:
    >>> import skillgym
    >>> image_tag("flight") == f"skillgym/flight:{skillgym.__version__}"
    True
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import skillgym
from skillgym.envs.core.errors import SkillGymError

logger = logging.getLogger(__name__)

REPOSITORY = "skillgym"
"""The repository part of every family image's tag."""
FAMILY_LABEL = "org.skillgym.family"
VERSION_LABEL = "org.skillgym.version"
BASE_SCRIPT = Path("containers") / "base" / "build-base.sh"
FAMILY_DOCKERFILE = Path("containers") / "family.Dockerfile"
"""The one Dockerfile of every family image; ``--build-arg FAMILY`` picks the family."""
INSTALL_SCRIPT = "install.sh"
"""A family's own part of its image: run as root in the build, beside the files it needs."""
NOT_SENT = ("build-base.sh",)
"""Files of a family's folder that are not its image's (the terminal sandbox's own base)."""
"""Bootstraps the default base offline; ``--tag`` prints the tag it builds."""
START_ENGINE = "start it with `make docker` or `sh containers/docker-engine.sh` (as root)"
LOG_TAIL_LINES = 40
"""Lines of the build log a failure's message ends with."""
KEPT_APP_WHEELS = 5
"""Skillgym wheels kept in the cache (one per source tree state built recently)."""
KEPT_WHEELHOUSES = 3
"""Wheelhouses kept in the cache (one per pyproject.toml built recently; ~100 MB each)."""
# Wheels built from the same files are the same bytes (zip entries dated this), so an
# unchanged tree hits Docker's cache for the last layer.
SOURCE_DATE_EPOCH = "315532800"
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*_cache", ".DS_Store")


class ImageError(SkillGymError):
    """A family image could not be built or listed; the message says why and what to do."""

    code = "image_error"


@dataclass(frozen=True)
class BuiltImage:
    """One family image as :func:`build_images` left it."""

    family: str
    tag: str
    image_id: str
    size_bytes: int
    seconds: float
    steps: int
    """Steps of the Dockerfile (``FROM`` included)."""
    rebuilt: tuple[str, ...]
    """The steps that ran rather than came from the cache (none: a fully cached build)."""
    log: str

    @property
    def cached(self) -> bool:
        """Whether every step came from Docker's cache."""
        return not self.rebuilt


@dataclass(frozen=True)
class ImageInfo:
    """A family image present in the engine (``skillgym images list``)."""

    tag: str
    family: str
    version: str
    image_id: str
    size_bytes: int
    created: datetime

    @property
    def age(self) -> timedelta:
        """How long ago it was built."""
        return datetime.now(UTC) - self.created


def image_tag(family: str, repository: str = REPOSITORY) -> str:
    """The tag of ``family``'s image for this version of SkillGym (replicas run it)."""
    return f"{repository}/{family}:{skillgym.__version__}"


def source_root() -> Path:
    """The SkillGym source tree images are built from (where this package is installed from).

    Raises:
        ImageError: SkillGym is not installed from a source tree (``pip install -e .``).
    """
    root = Path(skillgym.__file__).resolve().parents[1]
    if not ((root / "containers").is_dir() and (root / "pyproject.toml").is_file()):
        raise ImageError(
            "Building images needs SkillGym's source tree (its containers/ and pyproject.toml), "
            f"and none is beside the installed package ({root}): clone the repository and "
            "`pip install -e '.[hub]'` there."
        )
    return root


def image_families(source: Path | None = None) -> list[str]:
    """The families that have an image: those with a ``containers/<family>/install.sh``."""
    containers = (source or source_root()) / "containers"
    return sorted(p.parent.name for p in containers.glob(f"*/{INSTALL_SCRIPT}"))


def cache_dir() -> Path:
    """``ImageSettings.cache`` (``$SKILLGYM_CACHE``), else ``$XDG_CACHE_HOME/skillgym``, else ``~/.cache/skillgym``."""
    from skillgym.hub_server.settings import ImageSettings

    if chosen := ImageSettings.from_environment().cache:
        return chosen
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "skillgym"


def default_base(source: Path | None = None) -> str:
    """The tag of the offline-bootstrapped base (``containers/base/build-base.sh --tag``)."""
    script = (source or source_root()) / BASE_SCRIPT
    done = _run(["sh", str(script), "--tag"], what=f"{BASE_SCRIPT} --tag")
    return done.stdout.strip()


def build_images(
    families: Sequence[str] | None = None,
    *,
    base: str | None = None,
    progress: bool = True,
    source: Path | None = None,
    repository: str = REPOSITORY,
) -> list[BuiltImage]:
    """Build the images of ``families`` (default: every family with an ``install.sh``).

    Idempotent: with nothing changed every step is a cache hit and it takes seconds.

    Args:
        families: Family names; each needs ``containers/<family>/install.sh``.
        base: The image to build on: default the offline base of
            ``containers/base/build-base.sh``; any Python 3.11 image (``python:3.11-slim``),
            pulled if it is not here.
        progress: Show a status line of each build step on stderr.
        source: The SkillGym source tree (default: the one this package is installed from).
        repository: The tags' repository (``skillgym``: the one replicas run).

    Raises:
        ImageError: An unknown family, no Docker engine, a missing base, or a failed build
            (its message ends with the build log's tail).
    """
    source = (source or source_root()).resolve()
    chosen = _chosen_families(families, image_families(source))
    client = _client()
    base = _require_base(client, base, source)
    with _status(progress) as status:
        status(f"building the skillgym wheel of {source}")
        app_wheel = skillgym_wheel(source)
        status("wheelhouse of skillgym[hub]'s dependencies (pip wheel, once per pyproject.toml)")
        wheelhouse = build_wheelhouse(source, app_wheel)
        built = []
        for family in chosen:
            image = _build_family(
                client,
                family,
                tag=image_tag(family, repository),
                base=base,
                source=source,
                wheelhouse=wheelhouse,
                app_wheel=app_wheel,
                status=status,
            )
            logger.info(
                "%s: %.0f MB in %.1f s, %d step(s) built",
                image.tag,
                image.size_bytes / 1e6,
                image.seconds,
                len(image.rebuilt),
            )
            built.append(image)
    return built


def list_images(repository: str = REPOSITORY) -> list[ImageInfo]:
    """The family images in the engine, by family, newest first.

    Raises:
        ImageError: No Docker engine answers.
    """
    found = []
    for image in _client().api.images(filters={"label": FAMILY_LABEL}):
        tags = [t for t in image.get("RepoTags") or () if t.startswith(f"{repository}/")]
        if not tags:
            continue
        labels = image.get("Labels") or {}
        versioned = [t for t in tags if not t.endswith(":latest")]
        found.append(
            ImageInfo(
                tag=(versioned or tags)[0],
                family=labels[FAMILY_LABEL],
                version=labels.get(VERSION_LABEL, ""),
                image_id=image["Id"],
                size_bytes=int(image["Size"]),
                created=datetime.fromtimestamp(image["Created"], UTC),
            )
        )
    return sorted(found, key=lambda i: (i.family, -i.created.timestamp()))


# ------------------------------------------------------------------ the wheels


@dataclass(frozen=True)
class Wheelhouse:
    """Wheels of every dependency of ``skillgym[hub]``, their pinned closure, and pip's wheel."""

    folder: Path
    requirements: Path
    pip_wheel: Path

    @property
    def wheels(self) -> list[Path]:
        """The dependencies' wheels (pip's aside)."""
        return sorted(p for p in self.folder.glob("*.whl") if p != self.pip_wheel)


def build_wheelhouse(source: Path, app_wheel: Path) -> Wheelhouse:
    """The wheelhouse for ``source``'s pyproject.toml, built with ``pip wheel`` when missing.

    Its ``requirements.txt`` (written last: its presence says the wheelhouse is whole) pins
    the closure of ``skillgym[hub]``, resolved by pip offline against the wheelhouse.
    """
    key = hashlib.sha256((source / "pyproject.toml").read_bytes()).hexdigest()[:12]
    folder = cache_dir() / "wheelhouse" / key
    if not (folder / "requirements.txt").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f"{key}.part-", dir=folder.parent))
        try:
            _run(
                _pip("wheel", "--quiet", "--wheel-dir", str(partial), f"{app_wheel}[hub]", "pip"),
                what="pip wheel of skillgym[hub]'s dependencies",
            )
            for own in partial.glob("skillgym-*.whl"):
                own.unlink()
            pins = _pinned_closure(partial, app_wheel)
            (partial / "requirements.txt").write_text("".join(f"{pin}\n" for pin in pins))
            if not (folder / "requirements.txt").is_file():  # else another build was first
                shutil.rmtree(folder, ignore_errors=True)  # what an interrupted build left
                partial.rename(folder)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    folder.touch()
    _forget_old(folder.parent, KEPT_WHEELHOUSES)
    pip_wheels = sorted(folder.glob("pip-*.whl"))
    if not pip_wheels:
        raise ImageError(f"The wheelhouse {folder} has no pip wheel: delete it and build again.")
    return Wheelhouse(folder, folder / "requirements.txt", pip_wheels[-1])


def _pinned_closure(wheels: Path, app_wheel: Path) -> list[str]:
    """``name==version`` of each package ``skillgym[hub]`` installs, skillgym aside (offline)."""
    done = _run(
        _pip(
            *("install", "--dry-run", "--ignore-installed", "--quiet", "--report", "-"),
            *("--no-index", "--find-links", str(wheels), "--find-links", str(app_wheel.parent)),
            "skillgym[hub]",
        ),
        what="pip's offline resolution of skillgym[hub] against the wheelhouse",
        # the host's pip configuration (its indexes, its find-links) must not take part
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )
    report = json.loads(done.stdout)
    pins = {
        f"{item['metadata']['name']}=={item['metadata']['version']}"
        for item in report["install"]
        if item["metadata"]["name"].lower() != "skillgym"
    }
    return sorted(pins, key=str.lower)


def skillgym_wheel(source: Path) -> Path:
    """The skillgym wheel of ``source``: cached by a hash of the files it is built from.

    It is built (``pip wheel --no-deps``) from a copy of just those files, so nothing is
    written into the source tree and no stale ``build/`` folder leaks into it.
    """
    files = list(_wheel_inputs(source))
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(source)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    folder = cache_dir() / "skillgym-wheels" / digest.hexdigest()[:16]
    if not any(folder.glob("skillgym-*.whl")):
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="source-", dir=folder.parent) as tmp:
            stage, out = Path(tmp) / "source", Path(tmp) / "wheel"
            for path in files:
                target = stage / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            _run(
                _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(stage)),
                what=f"pip wheel of {source}",
                env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
            )
            shutil.rmtree(folder, ignore_errors=True)
            out.rename(folder)
    folder.touch()
    _forget_old(folder.parent, KEPT_APP_WHEELS)
    return next(folder.glob("skillgym-*.whl"))


def _wheel_inputs(source: Path) -> Iterator[Path]:
    """The files the skillgym wheel is built from (caches and bytecode aside).

    pyproject.toml, its readme and license files, and its package folders.
    """
    pyproject = tomllib.loads((source / "pyproject.toml").read_text())
    project = pyproject["project"]
    yield source / "pyproject.toml"
    readme = project.get("readme")
    if isinstance(readme, str):
        yield source / readme
    for pattern in project.get("license-files", []):
        yield from sorted(source.glob(pattern))
    folders = pyproject["tool"]["setuptools"]["package-dir"].values()
    for folder in sorted(set(folders)):
        yield from _files_under(source / folder)


def _files_under(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        ignored = _IGNORED(root, [*dirs, *names])
        dirs[:] = sorted(d for d in dirs if d not in ignored)
        for name in sorted(n for n in names if n not in ignored):
            yield Path(root) / name


def _forget_old(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used entries of a cache folder."""
    entries = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------ one image


def _build_family(
    client: Any,
    family: str,
    *,
    tag: str,
    base: str,
    source: Path,
    wheelhouse: Wheelhouse,
    app_wheel: Path,
    status: _Status,
) -> BuiltImage:
    """Assemble the context of ``family``'s image and build it, tagged ``tag`` and ``:latest``."""
    import docker

    started = time.monotonic()
    with _context(family, source, wheelhouse, app_wheel) as context:
        log: list[str] = []
        image_id, error = None, None
        try:
            stream = client.api.build(
                path=str(context),
                dockerfile="Dockerfile",
                tag=tag,
                buildargs={"BASE": base, "FAMILY": family, "VERSION": skillgym.__version__},
                network_mode="host",
                rm=True,
                forcerm=True,
                decode=True,
            )
            for line, found_id, found_error in _build_lines(stream):
                image_id, error = found_id or image_id, found_error or error
                if line is not None:
                    log.append(line)
                    if line.startswith("Step "):
                        status(f"{tag}: {line}")
        except docker.errors.DockerException as exc:
            error = str(exc)
    if error or not image_id:
        tail = "\n".join(log[-LOG_TAIL_LINES:])
        raise ImageError(
            f"Building {tag} failed: {error or 'no image came out'}\n"
            f"--- the last {LOG_TAIL_LINES} lines of its build log ---\n{tail}"
        )
    repository, _, _ = tag.rpartition(":")
    client.api.tag(image_id, repository, "latest")
    steps = _steps(log)
    return BuiltImage(
        family=family,
        tag=tag,
        image_id=image_id,
        size_bytes=int(client.api.inspect_image(image_id)["Size"]),
        seconds=time.monotonic() - started,
        steps=len(steps),
        rebuilt=tuple(
            header
            for header, output in steps
            # FROM names an image and a leading ARG does nothing: neither is ever "cached"
            if output and " : FROM " not in header and " ---> Using cache" not in output
        ),
        log="\n".join(log),
    )


@contextmanager
def _context(family: str, source: Path, wheelhouse: Wheelhouse, app_wheel: Path) -> Iterator[Path]:
    """A temporary build context for ``family`` (wheels hard-linked where the disk allows)."""
    folder = source / "containers" / family
    root = cache_dir() / "contexts"
    root.mkdir(parents=True, exist_ok=True)
    context = Path(tempfile.mkdtemp(prefix=f"{family}-", dir=root))
    try:
        context.chmod(0o755)
        shutil.copy2(source / FAMILY_DOCKERFILE, context / "Dockerfile")
        # install.sh may be a link (the spreadsheet's is its engine's installer): its content
        shutil.copytree(folder, context / "family", ignore=shutil.ignore_patterns(*NOT_SENT))
        _link(wheelhouse.pip_wheel, context / "pip.whl")
        _link(wheelhouse.requirements, context / "requirements.txt")
        (context / "wheels").mkdir()
        for wheel in wheelhouse.wheels:
            _link(wheel, context / "wheels" / wheel.name)
        (context / "app").mkdir()
        _link(app_wheel, context / "app" / app_wheel.name)
        yield context
    finally:
        shutil.rmtree(context, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: a copy does as well
        shutil.copy2(source, target)


def _build_lines(
    stream: Iterable[dict[str, Any]],
) -> Iterator[tuple[str | None, str | None, str | None]]:
    """(log line, image id, error) from the engine's build stream, a line at a time."""
    pending = ""
    for chunk in stream:
        if "stream" in chunk:
            pending += chunk["stream"]
            *lines, pending = pending.split("\n")
            for line in lines:
                yield line.rstrip("\r"), None, None
        elif "error" in chunk:
            yield f"ERROR: {chunk['error']}", None, chunk["error"].strip()
        elif "aux" in chunk and "ID" in chunk["aux"]:
            yield None, chunk["aux"]["ID"], None
    if pending:
        yield pending, None, None


def _steps(log: Sequence[str]) -> list[tuple[str, str]]:
    """(``Step i/n : ...``, its output) for each step of a classic build's log."""
    steps: list[tuple[str, list[str]]] = []
    for line in log:
        if re.match(r"Step \d+/\d+ : ", line):
            steps.append((line, []))
        elif steps:
            steps[-1][1].append(line)
    return [(header, "\n".join(output)) for header, output in steps]


# ------------------------------------------------------------------ engine, base, names


def _client() -> Any:
    """A Docker SDK client whose engine answers."""
    import docker

    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except docker.errors.DockerException as exc:
        raise ImageError(f"The Docker engine does not answer ({exc}); {START_ENGINE}.") from None
    return client


def _require_base(client: Any, base: str | None, source: Path) -> str:
    """``base``, or the default one, present in the engine (a registry's is pulled)."""
    import docker

    chosen = base or default_base(source)
    try:
        client.images.get(chosen)
        return chosen
    except docker.errors.ImageNotFound:
        pass
    if base is None:
        raise ImageError(
            f"The base image {chosen} is missing: bootstrap it offline with "
            f"`sh {BASE_SCRIPT}` (debootstrap, no registry; `make images` runs it), or build "
            "on a registry's Python 3.11 image: `skillgym images build --base python:3.11-slim`."
        )
    try:
        client.images.pull(chosen)
    except docker.errors.DockerException as exc:
        raise ImageError(
            f"The base image {chosen} is not here and could not be pulled ({exc}). Without a "
            f"registry, leave the base out: the default is bootstrapped offline by `sh {BASE_SCRIPT}`."
        ) from None
    return chosen


def _chosen_families(asked: Sequence[str] | None, known: list[str]) -> list[str]:
    if not known:
        raise ImageError("No family has an image (containers/<family>/install.sh).")
    for family in asked or ():
        if family not in known:
            close = difflib.get_close_matches(family, known, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise ImageError(
                f"Expects a family with an image ({', '.join(known)}), actual value: {family!r}.{hint}"
            )
    return list(dict.fromkeys(asked)) if asked else known


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def _run(
    command: list[str], *, what: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).splitlines()[-LOG_TAIL_LINES:])
        raise ImageError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done


# ------------------------------------------------------------------ progress


class _Status:
    """A status line on stderr (rich's), or only the log."""

    def __init__(self, live: Any = None) -> None:
        self._live = live

    def __call__(self, text: str) -> None:
        logger.debug("%s", text)
        if self._live is not None:
            self._live.update(text[:160])


@contextmanager
def _status(enabled: bool) -> Iterator[_Status]:
    if not enabled:
        yield _Status()
        return
    from rich.console import Console

    with Console(stderr=True).status("starting") as live:
        yield _Status(live)
