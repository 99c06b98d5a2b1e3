import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

DIST = Path("/workspace/dist")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
VARIABLES = PARAMS["variables"]
PROJECT = VARIABLES["project"]
ARCHIVE = DIST / f"{VARIABLES['archive']}.tar.gz"
MANIFEST = DIST / f"{VARIABLES['archive']}.manifest"
CHECKSUM = DIST / f"{VARIABLES['archive']}.tar.gz.sha256"
FILES = PARAMS["expected"]["files"]


def members():
    """name (without a leading ./ or trailing /) -> TarInfo, and the archive's bytes per file."""
    out, contents = {}, {}
    with tarfile.open(ARCHIVE, "r:gz") as tar:
        for info in tar.getmembers():
            name = info.name.removeprefix("./").rstrip("/")
            out[name] = info
            if info.isfile():
                contents[name] = tar.extractfile(info).read()
    return out, contents


def inside(name):
    return name.removeprefix(PROJECT + "/")


def test_archive_is_gzipped_tar_under_the_project_prefix():
    found, _ = members()
    assert found, "the archive is empty"
    outside = [n for n in found if n != PROJECT and not n.startswith(PROJECT + "/")]
    assert not outside, f"members outside {PROJECT}/: {outside[:5]}"


def test_every_project_file_is_archived_with_its_content():
    found, contents = members()
    for path, digest in FILES.items():
        name = f"{PROJECT}/{path}"
        assert name in found, f"{name} is missing from the archive"
        assert found[name].isfile(), f"{name} is not a regular file in the archive"
        assert hashlib.sha256(contents[name]).hexdigest() == digest, f"{name} has other content"


def test_logs_caches_and_nothing_else_are_left_out():
    found, contents = members()
    assert contents, "the archive holds no files"
    logs = [n for n in found if n.endswith(".log")]
    caches = [n for n in found if "__pycache__" in n.split("/")]
    assert not logs, f"log files archived: {logs}"
    assert not caches, f"__pycache__ archived: {caches}"
    extra = sorted(inside(n) for n in contents if inside(n) not in FILES)
    assert not extra, f"unexpected files: {extra}"


def test_symlink_and_empty_directory_are_kept():
    found, _ = members()
    link = found.get(f"{PROJECT}/{VARIABLES['link_path']}")
    assert link is not None, "the symlink is missing"
    assert link.issym(), "the symlink was archived as something else (followed?)"
    assert link.linkname == VARIABLES["link_target"]
    empty = found.get(f"{PROJECT}/{VARIABLES['empty_dir']}")
    assert empty is not None and empty.isdir(), "the empty directory is missing"


def test_manifest_lists_every_archived_file_sorted():
    lines = MANIFEST.read_text().splitlines()
    want = [f"{digest}  {path}" for path, digest in sorted(FILES.items())]
    assert [line for line in lines if line.strip()] == want


def test_manifest_verifies_an_extracted_copy(tmp_path):
    subprocess.run(["tar", "-xzf", str(ARCHIVE), "-C", str(tmp_path)], check=True, timeout=30)
    root = tmp_path / PROJECT
    assert root.is_dir()
    done = subprocess.run(
        ["sha256sum", "--strict", "-c", str(MANIFEST)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stdout[-500:] + done.stderr[-500:]
    listed = {line.split("  ", 1)[1] for line in MANIFEST.read_text().splitlines() if line}
    assert listed == set(FILES)


def test_archive_checksum_file_matches_the_archive():
    text = CHECKSUM.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}"
    digest = hashlib.sha256(ARCHIVE.read_bytes()).hexdigest()
    assert lines[0] in (f"{digest}  {ARCHIVE.name}", f"{digest} *{ARCHIVE.name}")
    done = subprocess.run(
        ["sha256sum", "-c", CHECKSUM.name], cwd=DIST, capture_output=True, timeout=30
    )
    assert done.returncode == 0
    assert io.BytesIO(ARCHIVE.read_bytes()).read(2) == b"\x1f\x8b", "not gzip-compressed"
