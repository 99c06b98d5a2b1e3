"""Seeded log directory: live logs over and under the size limit, older generations, bystanders."""

from __future__ import annotations

import gzip
import hashlib
from random import Random

from skillgym.envs.terminal.generation import Generated

SERVICES = [
    "api",
    "worker",
    "scheduler",
    "auth",
    "billing",
    "search",
    "mailer",
    "payment gateway",
    "ingest",
    "notifier",
]
LEVELS = ["INFO"] * 6 + ["DEBUG"] * 3 + ["WARN", "ERROR"]
DAY = 86_400
NOW = 1_741_000_000  # early March 2025: the seeded files are days to weeks older


def log_text(rng: Random, service: str, size: int) -> str:
    """Log lines for ``service``, cut to exactly ``size`` bytes and ending with a newline."""
    if size == 0:
        return ""
    lines = []
    total = 0
    stamp = NOW - rng.randint(30, 60) * DAY
    while total < size:
        stamp += rng.randint(0, 90)
        line = (
            f"{stamp} {rng.choice(LEVELS)} {service.replace(' ', '-')} "
            f"req={rng.randrange(16**8):08x} took={rng.randint(1, 900)}ms\n"
        )
        lines.append(line)
        total += len(line)
    return "".join(lines)[: size - 1] + "\n"


def digest(data: str | bytes) -> str:
    """The SHA-256 of a file's (uncompressed) content."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def generate(rng: Random) -> Generated:
    """A log directory, the policy's limits, and what the directory holds after one rotation."""
    max_kb = rng.choice([48, 64, 80, 96, 128])
    max_bytes = max_kb * 1024
    keep = rng.randint(3, 5)
    names = rng.sample(SERVICES, 7)
    if "payment gateway" not in names:
        names[rng.randrange(7)] = "payment gateway"  # a name with a space, every episode
    full, partial, fresh, at_limit, small, empty, small_gens = names

    # state: relative path -> (uncompressed content, mtime); ``.gz`` paths are stored compressed
    state: dict[str, tuple[str, int]] = {}

    def add(service: str, size: int, generations: int) -> None:
        """A live log written in the last hours and its older generations, a day or more apart."""
        mtime = NOW - rng.randint(60, 6 * 3600)
        state[f"{service}.log"] = (log_text(rng, service, size), mtime)
        for index in range(1, generations + 1):
            mtime -= rng.randint(DAY, 3 * DAY)
            suffix = "" if index == 1 else ".gz"
            text = log_text(rng, service, rng.randint(max_bytes + 1, 2 * max_bytes))
            state[f"{service}.log.{index}{suffix}"] = (text, mtime)

    def bystander(path: str, service: str, size: int) -> None:
        """A file the policy must not touch."""
        state[path] = (log_text(rng, service, size), NOW - rng.randint(2, 40) * DAY)

    add(full, max_bytes + rng.randint(1, max_bytes), keep)
    add(partial, max_bytes + rng.randint(1, max_bytes), rng.randint(1, keep - 1))
    add(fresh, max_bytes + 1, 0)
    add(at_limit, max_bytes, 1)
    add(small, rng.randint(1, max_bytes // 2), 0)
    add(small_gens, rng.randint(1, max_bytes - 1), rng.randint(2, keep))
    add(empty, 0, 0)
    bystander(f"{full}.log.old", full, 2 * max_bytes + rng.randint(1, 999))
    bystander(f"{partial}.log.bak", partial, max_bytes + rng.randint(1, 999))
    bystander("notes.txt", "notes", rng.randint(100, 400))
    bystander(f"archive/{fresh}.log", fresh, max_bytes + rng.randint(1, max_bytes))

    after = rotate(state, max_bytes, keep)
    files: dict[str, str | bytes] = {}
    for path, (text, _) in state.items():
        files[f"logs/{path}"] = (
            gzip.compress(text.encode(), mtime=0) if path.endswith(".gz") else text
        )
    files[".stamps"] = "".join(f"{mtime}\tlogs/{path}\n" for path, (_, mtime) in state.items())
    return Generated(
        variables={"max_kb": max_kb, "max_bytes": max_bytes, "keep": keep},
        files=files,
        expected={
            "after": {
                path: {"sha256": digest(text), "size": len(text), "mtime": mtime}
                for path, (text, mtime) in sorted(after.items())
            },
            "rotated": sorted(f"{name}.log" for name in (full, partial, fresh)),
        },
    )


def rotate(
    state: dict[str, tuple[str, int]], max_bytes: int, keep: int
) -> dict[str, tuple[str, int | None]]:
    """The directory after one run of the policy (a truncated live log's mtime is None)."""
    after: dict[str, tuple[str, int | None]] = dict(state)
    for path, (text, mtime) in state.items():
        if "/" in path or not path.endswith(".log") or len(text) <= max_bytes:
            continue
        after.pop(f"{path}.{keep}.gz", None)
        for index in range(keep - 1, 1, -1):
            if f"{path}.{index}.gz" in after:
                after[f"{path}.{index + 1}.gz"] = after.pop(f"{path}.{index}.gz")
        if f"{path}.1" in after:
            after[f"{path}.2.gz"] = after.pop(f"{path}.1")
        after[f"{path}.1"] = (text, mtime)
        after[path] = ("", None)
    return after
