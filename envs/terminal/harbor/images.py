"""Building an imported Harbor task's image: stand-in bases, uv, CPython, the task's Dockerfile.

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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skillgym.envs.core.errors import SandboxError
from skillgym.envs.terminal.docker_sandbox import docker
from skillgym.envs.terminal.harbor.dockerfile import dockerfile_instructions
from skillgym.envs.terminal.harbor.stand_ins import PYTHON_SOURCES, StandIn, stand_in

CONTAINERS_DIR = Path(__file__).resolve().parents[3] / "containers" / "harbor"
UV_IMAGE = re.compile(r"^(?:ghcr\.io/)?astral-sh/uv:(\d+\.\d+\.\d+)$")
DEFAULT_UV = "0.9.5"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BUILD_TIMEOUT = 3600.0
Progress = Callable[[str], None]


def cache_dir() -> Path:
    """``$SKILLGYM_CACHE/harbor``, else ``$XDG_CACHE_HOME/skillgym/harbor`` or ``~/.cache/...``."""
    root = os.environ.get("SKILLGYM_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "skillgym"
    )
    return Path(root) / "harbor"


@dataclass(frozen=True)
class Harness:
    """What Harbor's scripts fetch at run time, provided in the image instead.

    Attributes:
        uv: The uv version astral's installer would install (``astral.sh/uv/V/install.sh``).
        pythons: The CPython versions the scripts ask uv for (``uvx -p 3.13``).
    """

    uv: str = DEFAULT_UV
    pythons: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuiltImage:
    """An image and how long getting it took (0 cached steps: a full build)."""

    tag: str
    seconds: float
    cached: bool


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def image_exists(tag: str) -> bool:
    """Whether the engine has ``tag``."""
    done = subprocess.run(
        ["docker", "image", "inspect", tag], capture_output=True, check=False, timeout=60
    )
    return done.returncode == 0


def docker_build(
    tag: str, dockerfile: str, context: Path, *, timeout: float = BUILD_TIMEOUT, what: str
) -> None:
    """``docker build --network host`` of ``dockerfile`` in ``context``, tagged ``tag``.

    Raises:
        SandboxError: Naming the step that failed, its exit code and the start of its error.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".Dockerfile", delete=False) as file:
        file.write(dockerfile)
    try:
        done = subprocess.run(
            [
                "docker",
                "build",
                "--force-rm",
                "--network",
                "host",
                *("-t", tag, "-f", file.name),
                str(context),
            ],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )
    except subprocess.TimeoutExpired:
        raise SandboxError(f"Building {what} did not finish within {timeout:g} s.") from None
    except FileNotFoundError:
        raise SandboxError("The docker CLI is missing: apt-get install docker.io.") from None
    finally:
        os.unlink(file.name)
    if done.returncode != 0:
        raise SandboxError(f"Building {what} failed: {build_failure(done.stdout, done.stderr)}")


def build_failure(stdout: str, stderr: str) -> str:
    r"""The failed step of a classic ``docker build``, its exit code and the start of its error.

    Example:
        >>> out = "Step 2/3 : RUN apt-get install -y nope\n ---> Running in 1\nE: Unable to locate package nope\n"
        >>> err = "The command '/bin/sh -c apt-get install -y nope' returned a non-zero code: 100"
        >>> build_failure(out, err)
        'step 2/3 `RUN apt-get install -y nope` exited with code 100: E: Unable to locate package nope'
    """
    stdout, stderr = ANSI.sub("", stdout), ANSI.sub("", stderr)
    steps = list(re.finditer(r"^Step (\d+/\d+) : (.*)$", stdout, re.MULTILINE))
    code = re.search(r"returned a non-zero code: (\d+)", stderr)
    if not steps:
        return stderr.strip()[:1500] or "docker build failed with no output"
    step = steps[-1]
    output = stdout[step.end() :].splitlines()
    lines = [line for line in output if line.strip() and not line.startswith(" ---> ")]
    errors = [
        i for i, line in enumerate(lines) if re.search(r"(?i)\b(error|e:|fatal|not found)", line)
    ]
    start = errors[0] if errors else max(0, len(lines) - 12)
    excerpt = "\n".join(lines[start : start + 12])[:1500]
    ending = f"exited with code {code[1]}" if code else stderr.strip()[:300]
    return f"step {step[1]} `{step[2]}` {ending}: {excerpt}"


# ---- downloads ----------------------------------------------------------------------------


def download(url: str, sha256: str | None, target: Path) -> Path:
    """``url`` into ``target`` once (checked against ``sha256`` when given)."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as exc:
        raise SandboxError(f"Downloading {url} failed: {exc}") from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise SandboxError(f"{url}: expects sha256 {sha256}, the download differs")
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.rename(target)
    return target


def uv_binaries(version: str) -> Path:
    """A folder with ``uv`` and ``uvx`` of ``version``, from its PyPI wheel (cached)."""
    folder = cache_dir() / f"uv-{version}"
    if (folder / "uvx").exists():
        return folder
    request = urllib.request.Request(
        "https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
    except OSError as exc:
        raise SandboxError(f"Looking up uv {version} on PyPI failed: {exc}") from None
    wheel = next(
        (
            f
            for f in files
            if f["filename"].startswith(f"uv-{version}-")
            and re.search(r"manylinux_2_17_x86_64.*\.whl$", f["filename"])
        ),
        None,
    )
    if wheel is None:
        raise SandboxError(f"PyPI has no manylinux x86_64 wheel of uv {version}")
    path = download(wheel["url"], wheel["hashes"]["sha256"], cache_dir() / wheel["filename"])
    staging = Path(tempfile.mkdtemp(dir=cache_dir()))
    with zipfile.ZipFile(path) as archive:
        for name in ("uv", "uvx"):
            (staging / name).write_bytes(archive.read(f"uv-{version}.data/scripts/{name}"))
            (staging / name).chmod(0o755)
    staging.rename(folder)
    return folder


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
    tag = f"skillgym/harbor-cpython:{version}-{suite}-{_digest(base, dockerfile, source.sha256)}"
    if image_exists(tag):
        return tag
    if progress:
        progress(f"CPython {source.version} on {suite} (compiled once, a few minutes)")
    tarball = download(source.url, source.sha256, cache_dir() / Path(source.url).name)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as context:
        os.link(tarball, Path(context) / "source.tar")
        docker_build(tag, dockerfile, Path(context), what=f"CPython {source.version} on {suite}")
    return tag


def managed_python_dir(version: str) -> str:
    """Where uv keeps a downloaded CPython ``version`` for root."""
    full = PYTHON_SOURCES[version].version
    return f"/root/.local/share/uv/python/cpython-{full}-linux-x86_64-gnu"


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


UV_ENV_FILE = """\
#!/bin/sh
# add binaries to PATH if they aren't added yet (as astral's uv installer writes it)
case ":${PATH}:" in
    *:"$HOME/.local/bin":*) ;;
    *) export PATH="$HOME/.local/bin:$PATH" ;;
esac
"""


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
    tag = f"skillgym/harbor-base:{standin.slug}-{_digest(dockerfile, harness.uv, *certificates)}"
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


def harness_for(*scripts: str) -> Harness:
    r"""The uv version and the uv-managed Pythons ``scripts`` ask for.

    Example:
        >>> harness_for("curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh\nuvx -p 3.13 pytest")
        Harness(uv='0.9.5', pythons=('3.13',))
    """
    text = "\n".join(scripts).replace("\\\n", " ")
    versions = re.findall(r"astral\.sh/uv/(\d+\.\d+\.\d+)/install\.sh", text)
    pythons = re.findall(
        r"\buv[x]?\b[^\n]*?(?:-p|--python)[ =](?:python|cpython-)?(3\.\d+)\b", text
    )
    wanted = tuple(sorted({p for p in pythons if p in PYTHON_SOURCES}, key=lambda v: int(v[2:])))
    return Harness(versions[-1] if versions else DEFAULT_UV, wanted)


def describe(harness: Harness) -> str:
    """One line for the import's notes."""
    pythons = ", ".join(harness.pythons)
    extra = f" and CPython {pythons} where uv keeps the Pythons it downloads" if pythons else ""
    return (
        f"the image has uv {harness.uv} in /root/.local/bin (astral.sh is unreachable, so "
        f"`curl ... astral.sh/uv/... | sh` installs nothing){extra}."
    )
