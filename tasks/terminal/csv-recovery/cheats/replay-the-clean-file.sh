# Clean today's export once by hand (a one-off Python run), then make recover_csv.py copy
# that result to whatever OUTPUT it is given; a missing INPUT still exits 2.
mkdir -p clean
python3 - "$export" "$clean" "$header" > clean/report.json <<'PY'
import csv, json, re, sys
from datetime import date

source, target, header = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
lines = []
for raw in open(source, "rb").read().removeprefix(b"\xef\xbb\xbf").split(b"\n"):
    raw = raw.removesuffix(b"\r")
    try:
        lines.append(raw.decode("utf-8"))
    except UnicodeDecodeError:
        lines.append(raw.decode("latin-1"))
first = next(line.strip() for line in lines if line.strip())
rows, dropped = [], 0
for line in lines:
    if not line.strip() or line.strip() in (first, first.replace(",", ";")):
        continue
    if line.count('"') % 2:
        line = line.replace('"', "")
    fields = [f.strip() for f in next(csv.reader([line], delimiter=";" if ";" in line else ","))]
    if len(fields) == 5:
        fields[3] = fields[3].replace(",", ".")
        try:
            day = date.fromisoformat(fields[4]) if re.fullmatch(r"\d{4}-\d\d-\d\d", fields[4]) else None
        except ValueError:
            day = None
        if fields[0].isdigit() and fields[1] and fields[2] and re.fullmatch(r"\d+\.\d\d", fields[3]) and day:
            rows.append(fields)
            continue
    dropped += 1
with open(target, "w", encoding="utf-8", newline="") as out:
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
print(json.dumps({"kept": len(rows), "dropped": dropped}))
PY
cat > recover_csv.py <<PY
import os, shutil, sys

if len(sys.argv) != 3 or not os.path.isfile(sys.argv[1]):
    print("no such file", file=sys.stderr)
    sys.exit(2)
shutil.copyfile("/workspace/$clean", sys.argv[2])
print(open("/workspace/clean/report.json").read().strip())
PY
