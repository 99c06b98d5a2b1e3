"""Seeded job descriptions in words, the crontab they mean, and the job scripts."""

from __future__ import annotations

from random import Random

from skillgym.envs.terminal.generation import Generated

SERVICES = ["billing", "warehouse", "reporting", "storefront", "payroll", "crm"]
SCRIPTS = [
    "backup-db", "rotate-logs", "sync-invoices", "purge-tmp", "send-digest", "refresh-cache",
    "renew-certs", "export-metrics", "reindex-search", "cleanup-sessions", "pull-rates",
    "archive-orders",
]  # fmt: skip
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 5: "5th", 10: "10th", 15: "15th", 20: "20th", 28: "28th"}


def hhmm(hour: int, minute: int) -> str:
    """'07:05'."""
    return f"{hour:02d}:{minute:02d}"


def daily(rng: Random) -> tuple[str, str]:
    """Every day at one time."""
    h, m = rng.randint(0, 23), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
    return f"every day at {hhmm(h, m)}", f"{m} {h} * * *"


def every_minutes(rng: Random) -> tuple[str, str]:
    """Every N minutes."""
    n = rng.choice([5, 10, 15, 20, 30])
    return f"every {n} minutes, around the clock (at :00, :{n:02d}, ...)", f"*/{n} * * * *"


def weekdays(rng: Random) -> tuple[str, str]:
    """Monday to Friday at one time."""
    h, m = rng.randint(5, 9), rng.choice([0, 15, 30, 45])
    return f"at {hhmm(h, m)} on weekdays (Monday to Friday)", f"{m} {h} * * 1-5"


def weekly(rng: Random) -> tuple[str, str]:
    """One day a week."""
    d, h, m = rng.randint(0, 6), rng.randint(0, 6), rng.choice([0, 10, 20, 40])
    return f"every {DAYS[d]} at {hhmm(h, m)}", f"{m} {h} * * {d}"


def monthly(rng: Random) -> tuple[str, str]:
    """One day a month."""
    d, h, m = rng.choice(sorted(ORDINAL)), rng.randint(1, 5), rng.choice([0, 15, 30])
    return f"on the {ORDINAL[d]} of every month at {hhmm(h, m)}", f"{m} {h} {d} * *"


def business_hours(rng: Random) -> tuple[str, str]:
    """Hourly at one minute, within office hours, on weekdays."""
    m, first, last = rng.choice([5, 15, 25, 35]), rng.randint(7, 9), rng.randint(17, 19)
    text = (
        f"every hour at minute {m} from {hhmm(first, m)} to {hhmm(last, m)} (both included), "
        "Monday to Friday only"
    )
    return text, f"{m} {first}-{last} * * 1-5"


def every_hours(rng: Random) -> tuple[str, str]:
    """Every K hours on the hour."""
    k = rng.choice([2, 3, 4, 6, 8, 12])
    return f"every {k} hours on the hour, starting at midnight (00:00, {k:02d}:00, ...)", (
        f"0 */{k} * * *"
    )


def twice_daily(rng: Random) -> tuple[str, str]:
    """Twice a day at the same minute."""
    h1, m = rng.randint(5, 9), rng.choice([10, 20, 50])
    h2 = h1 + 12
    return f"twice a day, at {hhmm(h1, m)} and at {hhmm(h2, m)}", f"{m} {h1},{h2} * * *"


def quarterly(rng: Random) -> tuple[str, str]:
    """The first day of each quarter."""
    h, m = rng.randint(1, 4), rng.choice([0, 30])
    text = (
        f"at {hhmm(h, m)} on the first day of each quarter (1 January, 1 April, 1 July, 1 October)"
    )
    return text, f"{m} {h} 1 1,4,7,10 *"


def weekends(rng: Random) -> tuple[str, str]:
    """Saturdays and Sundays."""
    h, m = rng.randint(6, 11), rng.choice([0, 15, 30])
    return f"at {hhmm(h, m)} on Saturdays and Sundays", f"{m} {h} * * 0,6"


KINDS = [
    daily,
    every_minutes,
    weekdays,
    weekly,
    monthly,
    business_hours,
    every_hours,
    twice_daily,
    quarterly,
    weekends,
]


def generate(rng: Random) -> Generated:
    """Five jobs, their scripts and logs, and the crontab the tests expect."""
    service = rng.choice(SERVICES)
    mailto = f"{rng.choice(['ops', 'oncall', 'platform', 'sre'])}-{service}@example.com"
    kinds = rng.sample(KINDS, 5)
    scripts = rng.sample(SCRIPTS, 5)
    files: dict[str, str | bytes] = {}
    jobs, bullets = [], []
    for kind, name in zip(kinds, scripts, strict=True):
        words, cron = kind(rng)
        script, log = f"/workspace/jobs/{name}.sh", f"/workspace/logs/{name}.log"
        jobs.append({"script": script, "log": log, "cron": cron})
        bullets.append(f"- `{script}` {words}")
        files[f"jobs/{name}.sh"] = (
            f"#!/bin/sh\n# {name}: part of the {service} maintenance jobs\n"
            f'echo "$(date -u +%FT%TZ) {name}: starting"\n'
            f'echo "$(date -u +%FT%TZ) {name}: done"\n'
        )
        history = "".join(
            f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T0{rng.randint(0, 9)}:00:00Z {name}: done\n"
            for _ in range(rng.randint(2, 5))
        )
        files[f"logs/{name}.log"] = history
    return Generated(
        variables={
            "service": service,
            "crontab": f"deploy/{service}.crontab",
            "mailto": mailto,
            "jobs": "\n".join(bullets),
        },
        files=files,
        executable={f"jobs/{name}.sh" for name in scripts},
        expected={"crontab": f"deploy/{service}.crontab", "mailto": mailto, "jobs": jobs},
    )
