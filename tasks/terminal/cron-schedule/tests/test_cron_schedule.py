import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]
CRONTAB = WORKSPACE / EXPECTED["crontab"]

# Reference moments: month and year ends, a leap day, a Friday night, a Sunday, mid-hour.
REFERENCES = [
    datetime(2025, 1, 1, 0, 0),
    datetime(2025, 3, 14, 23, 59),
    datetime(2025, 6, 30, 12, 7),
    datetime(2025, 8, 31, 18, 16),
    datetime(2025, 12, 31, 23, 30),
    datetime(2028, 2, 28, 4, 44),
    datetime(2026, 5, 3, 9, 29),
    datetime(2025, 10, 3, 16, 50),
]
RUNS_PER_REFERENCE = 12

# ---- a small cron evaluator (Vixie cron semantics) -----------------------------------------
MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
DOWS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
SHORTCUTS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
FIELDS = [(0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, MONTHS), (0, 7, DOWS)]


class CronError(ValueError):
    pass


def parse_value(text, names, low, high):
    value = names.get(text.lower()) if names else None
    if value is None:
        if not text.isdigit():
            raise CronError(f"bad value {text!r}")
        value = int(text)
    if not low <= value <= high:
        raise CronError(f"{value} out of range {low}-{high}")
    return value


def parse_field(text, low, high, names):
    values = set()
    for part in text.split(","):
        body, slash, step_text = part.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise CronError(f"bad step in {part!r}")
        step = int(step_text) if slash else 1
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            first, last = parse_value(a, names, low, high), parse_value(b, names, low, high)
            if first > last:
                raise CronError(f"bad range {body!r}")
        else:
            first = parse_value(body, names, low, high)
            last = high if "/" in part else first
        values.update(range(first, last + 1, step))
    return values


class Schedule:
    def __init__(self, fields):
        if len(fields) != 5:
            raise CronError(f"expects 5 time fields, got {fields}")
        sets = [
            parse_field(f, lo, hi, names) for f, (lo, hi, names) in zip(fields, FIELDS, strict=True)
        ]
        self.minutes, self.hours, self.doms, self.months, dows = sets
        self.dows = {d % 7 for d in dows}
        self.dom_star = fields[2].startswith("*")
        self.dow_star = fields[4].startswith("*")

    def day_matches(self, day):
        if day.month not in self.months:
            return False
        dom = day.day in self.doms
        dow = (day.weekday() + 1) % 7 in self.dows
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def next_after(self, moment):
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 9):
            if self.day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        return None


def schedule_of(time_text):
    time_text = time_text.strip()
    if time_text.startswith("@"):
        if time_text not in SHORTCUTS:
            raise CronError(f"unsupported {time_text}")
        time_text = SHORTCUTS[time_text]
    return Schedule(time_text.split())


def next_runs(schedules, moment, count):
    runs = []
    for _ in range(count):
        found = [s.next_after(moment) for s in schedules]
        found = [f for f in found if f is not None]
        if not found:
            break
        moment = min(found)
        runs.append(moment)
    return runs


# ---- reading the agent's crontab --------------------------------------------------------
ENV_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def read_crontab():
    assert CRONTAB.is_file(), f"{CRONTAB} was not written"
    env, jobs, problems = {}, [], []
    for number, raw in enumerate(CRONTAB.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = ENV_LINE.match(line)
        if match:
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            env[match.group(1)] = value
            continue
        try:
            if line.startswith("@"):
                time_text, _, command = line.partition(" ")
                parts = [time_text]
            else:
                parts = line.split(None, 5)
                if len(parts) < 6:
                    raise CronError("expects 5 time fields and a command")
                time_text, command = " ".join(parts[:5]), parts[5]
            jobs.append((schedule_of(time_text), command.strip(), number))
        except (CronError, ValueError) as exc:
            problems.append(f"line {number}: {raw!r}: {exc}")
    return env, jobs, problems


def script_runs(command, script):
    """Whether the command runs this script (by its absolute path)."""
    return re.search(re.escape(script) + r"(?![\w.-])", command) is not None


def cron_command(command):
    """What cron hands to /bin/sh: up to the first unescaped %, with \\% turned into %."""
    out, i = [], 0
    while i < len(command):
        if command[i] == "\\" and command[i + 1 : i + 2] == "%":
            out.append("%")
            i += 2
            continue
        if command[i] == "%":
            break
        out.append(command[i])
        i += 1
    return "".join(out)


# ---- the tests ---------------------------------------------------------------------------
def test_mailto_environment_line():
    env, _, _ = read_crontab()
    assert env.get("MAILTO") == EXPECTED["mailto"], f"environment lines: {env}"


@pytest.mark.essential  # cron refuses a crontab with a bad line: then nothing runs
def test_every_line_parses_and_only_the_five_jobs_are_scheduled():
    _, jobs, problems = read_crontab()
    assert not problems, "\n".join(problems)
    assert jobs, "no job lines"
    for _, command, number in jobs:
        owners = [j["script"] for j in EXPECTED["jobs"] if script_runs(command, j["script"])]
        assert len(owners) == 1, f"line {number} runs {owners or 'none'} of the five scripts"
    for job in EXPECTED["jobs"]:
        assert any(script_runs(c, job["script"]) for _, c, _ in jobs), f"{job['script']} is missing"


@pytest.mark.parametrize("index", range(5))
def test_schedule_of_job(index):
    job = EXPECTED["jobs"][index]
    _, jobs, _ = read_crontab()
    mine = [s for s, command, _ in jobs if script_runs(command, job["script"])]
    assert mine, f"no line runs {job['script']}"
    want_schedule = [schedule_of(job["cron"])]
    for moment in REFERENCES:
        want = next_runs(want_schedule, moment, RUNS_PER_REFERENCE)
        got = next_runs(mine, moment, RUNS_PER_REFERENCE)
        assert got == want, (
            f"{job['script']}: after {moment:%a %Y-%m-%d %H:%M} the next runs are "
            f"{[f'{g:%a %Y-%m-%d %H:%M}' for g in got]}, expects "
            f"{[f'{w:%a %Y-%m-%d %H:%M}' for w in want]}"
        )


def test_commands_append_output_and_errors_to_their_logs(tmp_path):
    _, jobs, _ = read_crontab()
    assert jobs, "no job lines"
    for n, job in enumerate(EXPECTED["jobs"]):
        script, log = Path(job["script"]), Path(job["log"])
        commands = [c for _, c, _ in jobs if script_runs(c, job["script"])]
        assert commands, f"no line runs {script}"
        token = f"probe{PARAMS['seed']}x{n}"
        script.write_text(f'#!/bin/sh\necho "out-{token}"\necho "err-{token}" >&2\n')
        script.chmod(0o755)
        before = log.read_text() if log.exists() else ""
        assert before.strip(), f"{log} lost the history it held"
        for command in commands:
            for _ in range(2):
                done = subprocess.run(
                    ["/bin/sh", "-c", cron_command(command)],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    cwd=str(tmp_path),
                    env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"},
                )
                assert not done.stdout.strip() and not done.stderr.strip(), (
                    f"{command!r} left output for cron to mail: {done.stdout!r} {done.stderr!r}"
                )
        after = log.read_text()
        runs = 2 * len(commands)
        assert after.startswith(before), f"{log}: the old content was overwritten"
        added = after[len(before) :]
        assert added.count(f"out-{token}") == runs, f"{log}: stdout not appended: {added!r}"
        assert added.count(f"err-{token}") == runs, f"{log}: stderr not appended: {added!r}"
