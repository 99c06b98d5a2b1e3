"""A seeded deploy tree whose permissions are wrong nearly everywhere, and the policy's modes."""

from __future__ import annotations

from random import Random

from skillgym.envs.terminal.generation import Generated

APPS = ["billing-api", "ledger", "courier", "atlas-web", "kiosk", "relay"]
SCRIPTS = ["start.sh", "stop.sh", "migrate.sh", "healthcheck", "rotate-logs.sh", "backup.sh"]

# Target mode per kind of path, and the wrong modes a careless deploy leaves behind.
TARGET = {
    "root": 0o755,
    "top_file": 0o644,
    "bin_dir": 0o750,
    "script": 0o750,
    "config_dir": 0o750,
    "config_file": 0o640,
    "secret": 0o600,
    "public_dir": 0o755,
    "public_file": 0o644,
    "logs_dir": 0o2770,
    "log_file": 0o660,
    "uploads_dir": 0o770,
    "upload_file": 0o640,
}
WRONG = {
    "root": [0o777, 0o775, 0o750],
    "top_file": [0o666, 0o600, 0o755],
    "bin_dir": [0o777, 0o755, 0o775],
    "script": [0o644, 0o777, 0o755, 0o4755, 0o700, 0o666],
    "config_dir": [0o777, 0o755, 0o775, 0o751, 0o2750],
    "config_file": [0o644, 0o666, 0o600, 0o755, 0o664],
    "secret": [0o644, 0o640, 0o666, 0o604, 0o755],
    "public_dir": [0o777, 0o700, 0o775, 0o750, 0o2755],
    "public_file": [0o600, 0o666, 0o755, 0o664, 0o640, 0o777],
    "logs_dir": [0o755, 0o777, 0o770, 0o775, 0o1777],
    "log_file": [0o644, 0o666, 0o600, 0o640],
    "uploads_dir": [0o777, 0o755, 0o1777, 0o750, 0o2770],
    "upload_file": [0o666, 0o644, 0o777, 0o600],
}
GROUPS = {  # what each test checks, so each must start wrong somewhere
    "bin": ["bin_dir", "script"],
    "config": ["config_dir", "config_file"],
    "secrets": ["secret"],
    "public": ["root", "top_file", "public_dir", "public_file"],
    "logs": ["logs_dir", "log_file"],
    "uploads": ["uploads_dir", "upload_file"],
}


def tree(rng: Random) -> tuple[dict[str, str], dict[str, bytes | str], list[str]]:
    """Path -> kind for every path, the files' contents, and the empty directories."""
    kinds: dict[str, str] = {".": "root"}
    contents: dict[str, bytes | str] = {}

    def add(path: str, kind: str, content: bytes | str = "") -> None:
        parts = path.split("/")
        top = parts[0]
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            kinds.setdefault(folder, {"bin": "bin_dir"}.get(top, f"{top}_dir"))
        kinds[path] = kind
        contents[path] = content or f"# {path}\n{rng.randbytes(8).hex()}\n"

    add("VERSION", "top_file", f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}\n")
    add("README.md", "top_file")
    for script in rng.sample(SCRIPTS, rng.randint(3, 5)):
        add(f"bin/{script}", "script", f"#!/bin/sh\n# {script}\nexec true\n")
    for name in rng.sample(["app.yml", "logging.yml", "features.json", "cron.txt"], 3):
        add(f"config/{name}", "config_file")
    for name in rng.sample(["db.env", "api.key", "jwt.pem", "smtp.txt", "oauth.json"], 3):
        add(f"config/secrets/{name}", "secret")
    add("config/tls/server.pem", "secret")
    add("config/tls/server.crt", "config_file")
    if rng.random() < 0.6:
        add("config/.env", "secret")
    if rng.random() < 0.6:
        add("config/tls/ca.key", "secret")
    add("public/index.html", "public_file", "<!doctype html><title>home</title>\n")
    add("public/robots.txt", "public_file", "User-agent: *\n")
    add("public/css/site.css", "public_file", "body { margin: 0 }\n")
    add("public/img/logo.png", "public_file", b"\x89PNG\r\n\x1a\n" + rng.randbytes(200))
    add("public/img/icons/favicon.ico", "public_file", rng.randbytes(64))
    add("logs/app.log", "log_file")
    add("logs/access.log", "log_file")
    for day in rng.sample(range(1, 29), 2):
        add(
            f"logs/archive/app-2025-03-{day:02d}.log.gz",
            "log_file",
            b"\x1f\x8b" + rng.randbytes(90),
        )
    for _ in range(rng.randint(2, 4)):
        folder = rng.choice(["avatars", "invoices", "imports"])
        add(f"uploads/{folder}/{rng.randint(1000, 9999)}.bin", "upload_file", rng.randbytes(40))
    empty = f"uploads/{rng.choice(['tmp', 'incoming'])}"
    kinds[empty] = "uploads_dir"
    return kinds, contents, [empty]


def generate(rng: Random) -> Generated:
    """The tree, its starting modes (applied by setup.sh) and the modes the policy wants."""
    app = rng.choice(APPS)
    kinds, contents, empty = tree(rng)
    modes = {}
    for path, kind in kinds.items():
        modes[path] = rng.choice(WRONG[kind]) if rng.random() < 0.7 else TARGET[kind]
    for group in GROUPS.values():  # every test's part of the tree starts wrong somewhere
        paths = sorted(p for p, k in kinds.items() if k in group)
        if all(modes[p] == TARGET[kinds[p]] for p in paths):
            path = rng.choice(paths)
            modes[path] = rng.choice(WRONG[kinds[path]])
    files = sorted(p for p, k in kinds.items() if not k.endswith(("_dir", "root")))
    modes[rng.choice(files)] = 0o666  # something world-writable, always
    candidates = sorted(p for p, k in kinds.items() if k in ("public_dir", "uploads_dir"))
    modes[rng.choice(candidates)] = rng.choice([0o2755, 0o2775])  # a stray setgid directory
    swaps = []
    for path in rng.sample([p for p in files if "/" in p and not p.startswith("logs/")], 3):
        folder, _, name = path.rpartition("/")
        swaps.append(f"{folder}/.{name}.swp")
    workspace = {f"deploy/{app}/{p}": c for p, c in contents.items()}
    for swap in swaps:
        workspace[f"deploy/{app}/{swap}"] = rng.randbytes(120)
    # Deepest paths first, so a directory's own mode never blocks setting its contents.
    order = sorted(modes, key=lambda p: (-p.count("/") - (p != "."), p))
    setup = "\n".join(f"{modes[p]:04o} {p}" for p in order) + "\n"
    setup = "".join(f"{rng.choice(['0644', '0666', '0600'])} {s}\n" for s in swaps) + setup
    return Generated(
        variables={"app": app, "initial_modes": setup, "empty_dirs": " ".join(empty)},
        files=workspace,
        expected={
            "modes": {p: TARGET[k] for p, k in sorted(kinds.items())},
            "kinds": dict(sorted(kinds.items())),
            "swaps": sorted(swaps),
        },
    )
