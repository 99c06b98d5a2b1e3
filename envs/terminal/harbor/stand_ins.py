"""Local stand-ins for the public images a Harbor task's Dockerfile starts ``FROM``.

No registry is reachable, so ``FROM python:3.13-slim-bookworm`` cannot be pulled. Each
public image is replaced by one built here from the distributions' own mirrors:

- ``debian:N`` and ``ubuntu:YY.MM``: a minbase debootstrap of that release
  (``containers/harbor/os-image.sh``), plus ``python3`` for SkillGym's shell server.
- ``python:X.Y[-slim][-SUITE]``: that Debian release with CPython X.Y built from the
  distribution's source package into ``/usr/local``, as the official image has it, with
  ``python``, ``pip`` and CA certificates.

What differs from the original is returned as notes, which the import prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skillgym.envs.core.errors import TaskFormatError

DEBIAN_RELEASES = {"13": "trixie", "12": "bookworm", "11": "bullseye"}
UBUNTU_RELEASES = {"24.04": "noble", "22.04": "jammy", "20.04": "focal"}
DEFAULT_PYTHON_SUITE = "bookworm"


@dataclass(frozen=True)
class PythonSource:
    """A CPython source tarball from a distribution's archive (``python3.X_V.orig.tar.*``)."""

    version: str
    url: str
    sha256: str


PYTHON_SOURCES = {
    "3.13": PythonSource(
        "3.13.5",
        "http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz",
        "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
    ),
    "3.12": PythonSource(
        "3.12.3",
        "http://archive.ubuntu.com/ubuntu/pool/main/p/python3.12/python3.12_3.12.3.orig.tar.xz",
        "56bfef1fdfc1221ce6720e43a661e3eb41785dd914ce99698d8c7896af4bdaa1",
    ),
    "3.11": PythonSource(
        "3.11.2",
        "http://deb.debian.org/debian/pool/main/p/python3.11/python3.11_3.11.2.orig.tar.gz",
        "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849",
    ),
    "3.10": PythonSource(
        "3.10.12",
        "http://archive.ubuntu.com/ubuntu/pool/main/p/python3.10/python3.10_3.10.12.orig.tar.xz",
        "afb74bf19130e7a47d10312c8f5e784f24e0527981eab68e20546cfb865830b8",
    ),
    "3.9": PythonSource(
        "3.9.2",
        "http://deb.debian.org/debian/pool/main/p/python3.9/python3.9_3.9.2.orig.tar.xz",
        "3c2034c54f811448f516668dce09d24008a0716c3a794dd8639b5388cbde247d",
    ),
}
"""The CPython versions a stand-in can carry, each the source of a Debian or Ubuntu release."""


@dataclass(frozen=True)
class StandIn:
    """The local image that stands in for one public ``FROM`` image.

    Attributes:
        image: The ``FROM`` image as the Dockerfile names it.
        distro: ``debian`` or ``ubuntu``.
        suite: The release's code name (``bookworm``, ``noble``).
        python: For ``python:*`` images, the CPython version in ``/usr/local``.
        notes: What differs from the public image, one sentence each.
    """

    image: str
    distro: str
    suite: str
    python: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """A tag-safe name: ``bookworm-python3.13``, ``noble``."""
        return f"{self.suite}-python{self.python}" if self.python else self.suite


def stand_in(image: str) -> StandIn:
    """The stand-in for ``image``, or why there is none.

    Example:
        >>> stand_in("python:3.13-slim-bookworm").slug
        'bookworm-python3.13'
        >>> stand_in("ubuntu:24.04").suite
        'noble'

    Raises:
        TaskFormatError: For an image no stand-in replaces (a registry would be needed).
    """
    reference = image.split("@")[0]
    path, _, tag = (
        reference.rpartition(":") if ":" in reference.split("/")[-1] else (reference, "", "latest")
    )
    name = path.removeprefix("docker.io/").removeprefix("library/")
    if name == "python":
        return _python(image, tag)
    if name == "debian":
        release = tag.removesuffix("-slim")
        suite = DEBIAN_RELEASES.get(release.split(".")[0], release)
        if suite in DEBIAN_RELEASES.values():
            return StandIn(image, "debian", suite, notes=_os_notes(image, suite))
    if name == "ubuntu":
        suite = UBUNTU_RELEASES.get(tag, tag)
        if suite in UBUNTU_RELEASES.values():
            return StandIn(image, "ubuntu", suite, notes=_os_notes(image, suite))
    raise TaskFormatError(
        f"FROM {image}: no local stand-in for this image, and no registry is reachable to pull "
        f"it; expects python:3.X (3.{', 3.'.join(v[2:] for v in PYTHON_SOURCES)}), "
        f"debian:{'/'.join(DEBIAN_RELEASES)} or ubuntu:{'/'.join(UBUNTU_RELEASES)}"
    )


def _python(image: str, tag: str) -> StandIn:
    match = re.fullmatch(r"(3\.\d+)(?:\.\d+)?((?:-[a-z]+)*)", tag)
    if match is None or match[1] not in PYTHON_SOURCES:
        raise TaskFormatError(
            f"FROM {image}: no local stand-in for Python {tag}; expects one of "
            f"{', '.join('python:' + v for v in PYTHON_SOURCES)}"
        )
    version, words = match[1], [w for w in match[2].split("-") if w]
    suites = [w for w in words if w in DEBIAN_RELEASES.values()]
    suite = suites[0] if suites else DEFAULT_PYTHON_SUITE
    source = PYTHON_SOURCES[version]
    notes = [
        f"FROM {image} is stood in for by Debian {suite} with CPython {source.version} built "
        "from the distribution's source in /usr/local (no registry is reachable); "
        "python3 is also at /usr/bin for SkillGym's shell."
    ]
    if not suites:
        notes.append(f"FROM {image} names no Debian release; the stand-in uses {suite}.")
    if "slim" not in words:
        notes.append(
            f"FROM {image} is the full image; its stand-in is the slim one, without compilers "
            "and -dev packages (a Dockerfile or solution that needs them must apt-get install them)."
        )
    return StandIn(image, "debian", suite, version, tuple(notes))


def _os_notes(image: str, suite: str) -> tuple[str, ...]:
    return (
        f"FROM {image} is stood in for by a minbase debootstrap of {suite} (no registry is "
        "reachable), plus python3 for SkillGym's shell.",
    )
