cat > latency.py <<'PY'
import math
import re
import sys

LINE = re.compile(r"^\S+ (\S+) (\S+) (\d{3}) (\d+)ms$")


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: latency.py LOGFILE", file=sys.stderr)
        return 2
    try:
        text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        print(f"no such file: {sys.argv[1]}", file=sys.stderr)
        return 2
    durations = {}
    for line in text.splitlines():
        match = LINE.match(line.strip())
        if not match or int(match[3]) >= 500:
            continue
        key = (match[1], match[2].split("?", 1)[0])
        durations.setdefault(key, []).append(int(match[4]))
    for (method, path), values in sorted(durations.items()):
        values.sort()
        print(f"{method} {path} {values[math.ceil(0.95 * len(values)) - 1]}")
    return 0


sys.exit(main())
PY
python3 latency.py "logs/$log_name" > report.txt
