"""Seeded git history: main renames a setting, a branch changes its value; both touch the changelog."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from random import Random

from skillgym.envs.terminal.generation import Generated

SERVICES = ["orders-api", "ledger", "catalog", "notifier", "inventory", "checkout"]
OLD_KEYS = ["request_timeout", "api_timeout", "backend_timeout"]
NEW_KEYS = ["upstream_timeout_seconds", "upstream_timeout_s", "http_timeout_seconds"]
BRANCHES = ["feature/slow-upstream", "feature/timeout-tuning", "fix/upstream-timeouts"]
DEVELOPERS = [("Dana Kim", "dana"), ("Ravi Patel", "ravi"), ("Lena Vogel", "lena")]


def config_text(service: str, items: list[tuple[str, str]]) -> str:
    """app/config.py with the settings in this order (values as Python literals)."""
    body = "".join(f"    {key!r}: {value},\n" for key, value in items).replace("'", '"')
    return f'"""Runtime settings for the {service} service."""\n\nSETTINGS = {{\n{body}}}\n'


def client_text(key: str) -> str:
    """app/client.py reading the timeout under ``key``."""
    return f'''"""Options for calls to the upstream API."""

from .config import SETTINGS


def upstream_timeout():
    """Seconds to wait for an answer from the upstream API."""
    return SETTINGS["{key}"]


def client_options():
    """Keyword arguments for the HTTP client."""
    return {{"timeout": upstream_timeout(), "retries": SETTINGS["max_retries"]}}
'''


RETRY = '''"""Retry policy for upstream calls."""

from .config import SETTINGS


def retry_budget_seconds():
    """Worst case seconds one upstream call may take, every retry included."""
    per_try = SETTINGS["@@KEY@@"] + SETTINGS["connect_timeout"]
    return per_try * (SETTINGS["max_retries"] + 1)
'''


def changelog(service: str, entries: list[tuple[str, str, list[str]]]) -> str:
    """CHANGELOG.md from (date, title, bullets), in the order given."""
    parts = [f"# Changelog\n\nNotable changes to {service}, newest first.\n"]
    for day, title, bullets in entries:
        parts.append(f"\n## {day} - {title}\n\n" + "".join(f"- {b}\n" for b in bullets))
    return "".join(parts)


def stamp(start: date, days: int, hour: int) -> str:
    """A commit date in git's internal format (seconds since the epoch, UTC)."""
    moment = datetime.combine(start + timedelta(days=days), datetime.min.time(), UTC)
    return f"{int(moment.timestamp()) + hour * 3600} +0000"


def generate(rng: Random) -> Generated:
    """The history's file states, the merge rules' variables and the resolved results."""
    service = rng.choice(SERVICES)
    old_key, new_key = rng.choice(OLD_KEYS), rng.choice(NEW_KEYS)
    branch = rng.choice(BRANCHES)
    dev_name, dev_login = rng.choice(DEVELOPERS)
    old_timeout = rng.choice([10, 15, 20, 30])
    new_timeout = old_timeout + rng.choice([5, 10, 15, 25])
    connect = rng.choice([2, 3, 5])
    retries = rng.randint(2, 5)
    port = rng.choice([8000, 8080, 8443, 9000])
    ttl_old, ttl_new = 300, rng.choice([600, 900, 1800])
    pool = rng.choice([10, 20, 50])

    def items(key: str, timeout: int, log_level: str, ttl: int, connect_line: bool):
        rows = [
            ("service_name", f'"{service}"'),
            ("listen_port", str(port)),
            (key, str(timeout)),
        ]
        if connect_line:
            rows.append(("connect_timeout", str(connect)))
        rows += [
            ("max_retries", str(retries)),
            ("pool_size", str(pool)),
            ("log_level", f'"{log_level}"'),
            ("log_format", '"json"'),
            ("metrics_enabled", "True"),
            ("cache_ttl", str(ttl)),
            ("cache_max_entries", "10000"),
        ]
        return rows

    base_cfg = config_text(service, items(old_key, old_timeout, "INFO", ttl_old, False))
    main_cfg = config_text(service, items(new_key, old_timeout, "WARNING", ttl_old, False))
    branch_cfg = config_text(service, items(old_key, new_timeout, "INFO", ttl_new, True))

    start = date(2025, 1, 6) + timedelta(days=rng.randint(0, 120))
    older = [
        (
            (start - timedelta(days=40)).isoformat(),
            "1.4.0",
            ["Add the /healthz endpoint.", "Log in JSON by default."],
        ),
        ((start - timedelta(days=95)).isoformat(), "1.3.2", ["Fix pool exhaustion under load."]),
    ]
    d1, d2 = sorted(rng.sample(range(5, 30), 2))
    main_day, branch_day = (d1, d2) if rng.random() < 0.5 else (d2, d1)
    main_entry = (
        (start + timedelta(days=main_day)).isoformat(),
        f"Rename {old_key}",
        [f"`{old_key}` is now `{new_key}`.", "Default log level is WARNING."],
    )
    branch_entry = (
        (start + timedelta(days=branch_day)).isoformat(),
        "Slow upstream",
        [
            f"Raise the upstream timeout to {new_timeout} s and add `connect_timeout`.",
            f"Add a retry budget helper; cache entries live {ttl_new} s.",
        ],
    )
    merged_entries = sorted([main_entry, branch_entry], key=lambda e: e[0], reverse=True) + older

    readme = f"# {service}\n\nService settings live in `app/config.py`.\n"
    stage = {
        "base": {
            "README.md": readme,
            "app/__init__.py": f'"""The {service} service."""\n',
            "app/config.py": base_cfg,
            "app/client.py": client_text(old_key),
            "CHANGELOG.md": changelog(service, older),
        },
        "main": {
            "app/config.py": main_cfg,
            "app/client.py": client_text(new_key),
            "README.md": readme + f"\nThe upstream timeout setting is `{new_key}`.\n",
        },
        "main-log": {"CHANGELOG.md": changelog(service, [main_entry, *older])},
        "branch": {"app/config.py": branch_cfg},
        "branch-retry": {
            "app/retry.py": RETRY.replace("@@KEY@@", old_key),
            "CHANGELOG.md": changelog(service, [branch_entry, *older]),
        },
    }
    files: dict[str, str | bytes] = {}
    for step, contents in stage.items():
        for path, text in contents.items():
            files[f".setup/{step}/{path}"] = text
    plan = [
        ("main", stamp(start, -95, 9), "base", "Import the service"),
        (branch, stamp(start, branch_day - 3, 14), "branch", "Raise the upstream timeout"),
        (branch, stamp(start, branch_day, 16), "branch-retry", "Add a retry budget helper"),
        ("main", stamp(start, main_day, 10), "main", f"Rename {old_key} to {new_key}"),
        ("main", stamp(start, main_day, 11), "main-log", "Changelog for the rename"),
    ]
    files[".setup/plan"] = "".join("\t".join(row) + "\n" for row in plan)

    merged = items(new_key, new_timeout, "WARNING", ttl_new, True)
    merged_settings = {key: ast.literal_eval(value) for key, value in merged}
    return Generated(
        variables={
            "branch": branch,
            "old_key": old_key,
            "new_key": new_key,
            "dev_name": dev_name,
            "dev_email": f"{dev_login}@example.com",
        },
        files=files,
        expected={
            "branch": branch,
            "main_tip": {
                "app/config.py": main_cfg,
                "CHANGELOG.md": stage["main-log"]["CHANGELOG.md"],
            },
            "branch_tip": {
                "app/config.py": branch_cfg,
                "CHANGELOG.md": stage["branch-retry"]["CHANGELOG.md"],
                "app/retry.py": stage["branch-retry"]["app/retry.py"],
            },
            "settings": merged_settings,
            "upstream_timeout": new_timeout,
            "retry_budget": (new_timeout + connect) * (retries + 1),
            "changelog": [[day, title, bullets] for day, title, bullets in merged_entries],
            "readme_line": f"The upstream timeout setting is `{new_key}`.",
        },
    )
