# Translate each described schedule into cron fields.
mkdir -p "$(dirname "$crontab")"
python3 - "$crontab" "$mailto" <<'PY'
import os
import re
import sys

path, mailto = sys.argv[1], sys.argv[2]
days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
lines = [f"MAILTO={mailto}", ""]
for bullet in os.environ["jobs"].splitlines():
    m = re.match(r"- `(\S+)` (.*)$", bullet)
    script, words = m.group(1), m.group(2)
    times = [tuple(map(int, t.split(":"))) for t in re.findall(r"\b\d\d:\d\d\b", words)]
    if words.startswith("every day at"):
        (h, mi), = times
        spec = f"{mi} {h} * * *"
    elif m2 := re.match(r"every (\d+) minutes", words):
        spec = f"*/{m2.group(1)} * * * *"
    elif m2 := re.match(r"every (\d+) hours on the hour", words):
        spec = f"0 */{m2.group(1)} * * *"
    elif m2 := re.match(r"every hour at minute (\d+)", words):
        spec = f"{m2.group(1)} {times[0][0]}-{times[1][0]} * * 1-5"
    elif "on weekdays" in words:
        spec = f"{times[0][1]} {times[0][0]} * * 1-5"
    elif "Saturdays and Sundays" in words:
        spec = f"{times[0][1]} {times[0][0]} * * 6,0"
    elif "each quarter" in words:
        spec = f"{times[0][1]} {times[0][0]} 1 1,4,7,10 *"
    elif words.startswith("twice a day"):
        spec = f"{times[0][1]} {times[0][0]},{times[1][0]} * * *"
    elif m2 := re.match(r"on the (\d+)\w\w of every month", words):
        spec = f"{times[0][1]} {times[0][0]} {m2.group(1)} * *"
    elif m2 := re.match(r"every (\w+day) at", words):
        spec = f"{times[0][1]} {times[0][0]} * * {days.index(m2.group(1))}"
    else:
        raise SystemExit(f"cannot read: {words}")
    name = os.path.basename(script).removesuffix(".sh")
    lines.append(f"# {name}: {words}")
    lines.append(f"{spec} {script} >> /workspace/logs/{name}.log 2>&1")
open(path, "w").write("\n".join(lines) + "\n")
PY
cat "$crontab"
