"""An imported Harbor task's image, layer by layer: the stand-ins and the task's Dockerfile.

Every image's tag carries a hash of what it is built from, so a second build of the same
task is one ``docker image inspect``. The layers, bottom up:

1. the release (``containers/harbor/os-image.sh``): ``skillgym/harbor-os:SUITE-HASH``;
2. for a ``python:X.Y`` stand-in, CPython X.Y compiled on that release
   (``skillgym/harbor-cpython:X.Y-SUITE-HASH``, its libraries bundled so that it also runs
   where they are missing) copied into ``/usr/local``;
3. the test harness Harbor's tests fetch at run time from hosts that are unreachable here:
   uv where astral's installer puts it (``/root/.local/bin/{uv,uvx,env}``) and the
   CPythons the tests ask uv for (``uvx -p 3.13``) where uv keeps the ones it downloads
   (``/root/.local/share/uv/python``): ``skillgym/harbor-base:SLUG-HASH``;
4. the task's own ``environment/Dockerfile`` with its ``FROM`` images (and
   ``COPY --from=ghcr.io/astral-sh/uv:V``) replaced by the local ones, built with the
   host's network (``docker build --network host``): ``skillgym/harbor-task:NAME-HASH``.

``builds.py`` runs the builds and downloads; ``harness.py`` says what the tests need.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.terminal.docker_sandbox import docker
from skillgym.envs.terminal.harbor.builds import (
    cache_dir,
    digest,
    docker_build,
    download,
    image_exists,
)
from skillgym.envs.terminal.harbor.dockerfile import dockerfile_instructions
from skillgym.envs.terminal.harbor.harness import (
    UV_ENV_FILE,
    Harness,
    managed_python_dir,
    uv_binaries,
)
from skillgym.envs.terminal.harbor.stand_ins import PYTHON_SOURCES, StandIn, stand_in

CONTAINERS_DIR = Path(__file__).resolve().parents[3] / "containers" / "harbor"
UV_IMAGE = re.compile(r"^(?:ghcr\.io/)?astral-sh/uv:(\d+\.\d+\.\d+)$")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuiltImage:
    """An image and how long getting it took (0 cached steps: a full build)."""

    tag: str
    seconds: float
    cached: bool


# ---- layers -------------------------------------------------------------------------------


def os_image(distro: str, suite: str, progress: Progress | None = None) -> str:
    """The release's image (``containers/harbor/os-image.sh``; cached)."""
    script = CONTAINERS_DIR / "os-image.sh"
    if not script.exists():
        raise SandboxError(
            "Harbor tasks' stand-in images are built from a source checkout (containers/harbor/)."
        )
    tag = f"skillgym/harbor-os:{suite}-{hashlib.sha256(script.read_bytes()).hexdigest()[:12]}"
    if image_exists(tag):  # the script's own tag: the same name, the same hash
        return tag
    if progress:
        progress(f"bootstrapping {distro} {suite} (once, about a minute)")
    done = subprocess.run(
        ["sh", str(script), distro, suite], capture_output=True, text=True, check=False,
        env={**os.environ, "SKILLGYM_CACHE": str(cache_dir().parent)},
    )  # fmt: skip
    if done.returncode != 0:
        raise SandboxError(f"Bootstrapping {distro} {suite} failed: {done.stderr.strip()[-1500:]}")
    return done.stdout.strip().splitlines()[-1]


CPYTHON_BUILD = """\
FROM {os}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      build-essential pkg-config libssl-dev zlib1g-dev libffi-dev libsqlite3-dev libbz2-dev \\
      liblzma-dev libreadline-dev libncurses-dev uuid-dev libgdbm-dev libexpat1-dev patchelf \\
      xz-utils ca-certificates && rm -rf /var/lib/apt/lists/*
COPY source.tar /tmp/source.tar
RUN mkdir /tmp/src && tar -xf /tmp/source.tar -C /tmp/src --strip-components=1 && cd /tmp/src \\
 && ./configure --prefix=/usr/local --with-ensurepip=install > /tmp/configure.log \\
 && make -j"$(nproc)" > /tmp/make.log 2>&1 && make altinstall > /tmp/install.log 2>&1 \\
 && cd / && rm -rf /tmp/src /tmp/source.tar
# Bundle the libraries its extension modules load, so the build runs where they are missing
# (uv's managed Pythons are self-contained the same way).
RUN set -e; cd /usr/local/lib; \\
    for so in python{minor}/lib-dynload/*.so; do \\
      ldd "$so" | awk '/=> \\//{{print $3}}' | grep -Ev '/(libc|libm|libpthread|libdl|librt|ld-linux)[.-]' \\
        | xargs -r -I{{}} cp -nL {{}} /usr/local/lib/; \\
      patchelf --set-rpath '$ORIGIN/../..' "$so"; \\
    done; \\
    ln -sf python{minor} /usr/local/bin/python3; ln -sf python3 /usr/local/bin/python; \\
    ln -sf pip{minor} /usr/local/bin/pip3; ln -sf pip3 /usr/local/bin/pip; \\
    /usr/local/bin/python3 -c "import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline"
"""


def cpython_image(version: str, distro: str, suite: str, progress: Progress | None = None) -> str:
    """CPython ``version`` built on the release into ``/usr/local`` (cached)."""
    source = PYTHON_SOURCES[version]
    base = os_image(distro, suite, progress)
    dockerfile = CPYTHON_BUILD.format(os=base, minor=version)
    tag = f"skillgym/harbor-cpython:{version}-{suite}-{digest(base, dockerfile, source.sha256)}"
    if image_exists(tag):
        return tag
    if progress:
        progress(f"CPython {source.version} on {suite} (compiled once, a few minutes)")
    tarball = download(source.url, source.sha256, cache_dir() / Path(source.url).name)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as context:
        os.link(tarball, Path(context) / "source.tar")
        docker_build(tag, dockerfile, Path(context), what=f"CPython {source.version} on {suite}")
    return tag


HOST_AUTHORITIES = Path("/usr/local/share/ca-certificates")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
CA_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE",
                "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO")  # fmt: skip
"""Where pip, uv, requests, curl, node and git look for extra certificate authorities."""


def host_authorities() -> list[Path]:
    """The host's own certificate authorities (``/usr/local/share/ca-certificates/*.crt``).

    A host behind a TLS-intercepting proxy trusts its certificate there; the stand-ins
    get the same trust, or nothing in them could reach PyPI over the host's network.
    """
    if not HOST_AUTHORITIES.is_dir():
        return []
    return sorted(p for p in HOST_AUTHORITIES.rglob("*.crt") if p.is_file())


def base_image(standin: StandIn, harness: Harness, progress: Progress | None = None) -> str:
    """The stand-in for ``standin.image`` with the test harness (cached)."""
    lines = [f"FROM {os_image(standin.distro, standin.suite, progress)}"]
    if standin.python:
        cpython = cpython_image(standin.python, standin.distro, standin.suite, progress)
        lines += [
            "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
            "--no-install-recommends ca-certificates netbase tzdata && rm -rf /var/lib/apt/lists/*",
            f"COPY --from={cpython} /usr/local /usr/local",
            f"ENV LANG=C.UTF-8 PYTHON_VERSION={PYTHON_SOURCES[standin.python].version}",
        ]
    uv = uv_binaries(harness.uv)
    authorities = host_authorities()
    if authorities:  # the host reaches the registries through a TLS proxy it trusts
        lines += [
            "COPY authorities/ /usr/local/share/ca-certificates/",
            "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
            "--no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* "
            "&& update-ca-certificates",
            "ENV " + " ".join(f"{name}={CA_BUNDLE}" for name in CA_VARIABLES),
        ]
    lines += ["COPY uv uvx env /root/.local/bin/"]
    for version in harness.pythons:
        if version == standin.python:
            continue  # uv finds it on PATH
        built = cpython_image(version, standin.distro, standin.suite, progress)
        lines.append(f"COPY --from={built} /usr/local {managed_python_dir(version)}")
    lines.append('CMD ["/bin/bash"]')
    dockerfile = "\n".join(lines) + "\n"
    certificates = [path.read_bytes() for path in authorities]
    tag = f"skillgym/harbor-base:{standin.slug}-{digest(dockerfile, harness.uv, *certificates)}"
    if image_exists(tag):
        return tag
    with tempfile.TemporaryDirectory(dir=cache_dir()) as context:
        for name in ("uv", "uvx"):
            shutil.copy2(uv / name, Path(context) / name)
        (Path(context) / "authorities").mkdir()
        for path in authorities:
            shutil.copy2(path, Path(context) / "authorities" / path.name)
        (Path(context) / "env").write_text(UV_ENV_FILE)
        (Path(context) / "env").chmod(0o755)
        docker_build(tag, dockerfile, Path(context), what=f"the stand-in for {standin.image}")
    return tag


def uv_image(version: str) -> str:
    """An image holding ``/uv`` and ``/uvx`` as ``ghcr.io/astral-sh/uv:VERSION`` does."""
    tag = f"skillgym/harbor-uv:{version}"
    if not image_exists(tag):
        folder = uv_binaries(version)
        docker_build(tag, "FROM scratch\nCOPY uv uvx /\n", folder, what=f"uv {version}")
    return tag


# ---- the task's image ---------------------------------------------------------------------


def rewritten_dockerfile(text: str, bases: dict[str, str], uv_images: dict[str, str]) -> str:
    r"""``text`` with each ``FROM`` image (not a stage) and ``COPY --from=IMAGE`` made local.

    Example:
        >>> rewritten_dockerfile("FROM python:3.13 AS b\nFROM b\n", {"python:3.13": "local:1"}, {})
        'FROM local:1 AS b\nFROM b\n'
    """
    stages: set[str] = set()
    out = []
    for line in text.splitlines(keepends=True):
        match = re.match(r"(?i)(\s*FROM\s+)((?:--\S+\s+)*)(\S+)(.*)", line)
        if match:
            image = match[3]
            alias = re.search(r"(?i)\bAS\s+(\S+)", match[4])
            if image.lower() not in stages and image in bases:
                line = f"{match[1]}{match[2]}{bases[image]}{line[match.start(4) :]}"
            if alias:
                stages.add(alias[1].lower())
            out.append(line)
            continue
        for image, local in uv_images.items():
            line = line.replace(f"--from={image}", f"--from={local}")
        out.append(line)
    return "".join(out)


def task_image(
    environment: Path, name: str, harness: Harness, progress: Progress | None = None
) -> BuiltImage:
    """The task's image, built from ``environment/Dockerfile`` on the stand-ins (cached).

    Raises:
        TaskFormatError: If a ``FROM`` image has no stand-in.
        SandboxError: If a build fails (the step, its exit code and error).
    """
    start = time.perf_counter()
    docker("version", "--format", "{{.Server.Version}}")  # a clear error if the engine is down
    dockerfile = (environment / "Dockerfile").read_text(encoding="utf-8")
    bases, uv_images = {}, {}
    stages: set[str] = set()
    for instruction in dockerfile_instructions(dockerfile):
        words = instruction.arguments.split()
        if instruction.keyword == "FROM":
            image = next(w for w in words if not w.startswith("--"))
            if image.lower() not in stages and image not in bases:
                bases[image] = base_image(stand_in(image), harness, progress)
            if len(words) >= 3 and words[-2].lower() == "as":
                stages.add(words[-1].lower())
        elif instruction.keyword in ("COPY", "ADD"):
            for word in words:
                found = UV_IMAGE.match(word.removeprefix("--from="))
                if word.startswith("--from=") and found:
                    uv_images[word.removeprefix("--from=")] = uv_image(found[1])
    text = rewritten_dockerfile(dockerfile, bases, uv_images)
    digest = hashlib.sha256(text.encode())
    for path in sorted(environment.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(environment).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    tag = f"skillgym/harbor-task:{name}-{digest.hexdigest()[:12]}"
    if image_exists(tag):
        return BuiltImage(tag, time.perf_counter() - start, cached=True)
    if progress:
        progress(f"building {name} from environment/Dockerfile")
    docker_build(tag, text, environment, what=f"{name}'s environment/Dockerfile")
    return BuiltImage(tag, time.perf_counter() - start, cached=False)
