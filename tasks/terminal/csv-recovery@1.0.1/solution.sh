cat > recover_csv.py <<PY
import csv
import json
import re
import sys
from datetime import date

HEADER = "$header".split(",")
AMOUNT = re.compile(r"^\d+\.\d{2}$")


def real_date(text):
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def main():
    if len(sys.argv) != 3:
        print("usage: recover_csv.py INPUT OUTPUT", file=sys.stderr)
        return 2
    try:
        data = open(sys.argv[1], "rb").read()
    except FileNotFoundError:
        print(f"no such file: {sys.argv[1]}", file=sys.stderr)
        return 2
    data = data.removeprefix(b"\xef\xbb\xbf")
    lines = []
    for raw in data.split(b"\n"):
        raw = raw.removesuffix(b"\r")
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("latin-1"))
    first = next((line.strip() for line in lines if line.strip()), "")
    headers = {first, first.replace(",", ";")}
    rows, dropped = [], 0
    for line in lines:
        if not line.strip() or line.strip() in headers:
            continue
        sep = ";" if ";" in line else ","
        if line.count('"') % 2:
            line = line.replace('"', "")
        fields = [f.strip() for f in next(csv.reader([line], delimiter=sep))]
        if len(fields) == 5:
            fields[3] = fields[3].replace(",", ".")
            ok = fields[0].isdigit() and fields[1] and fields[2]
            if ok and AMOUNT.match(fields[3]) and real_date(fields[4]):
                rows.append(fields)
                continue
        dropped += 1
    with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    print(json.dumps({"kept": len(rows), "dropped": dropped}))
    return 0


sys.exit(main())
PY
mkdir -p clean
python3 recover_csv.py "$export" "$clean" > clean/report.json
cat clean/report.json
