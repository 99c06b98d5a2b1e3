# Work the report out once, elsewhere (awk and sort), and make latency.py print it back
# whatever log it is given; a missing file still exits 2.
awk '$0 ~ /^[^ ]+ [^ ]+ [^ ]+ [0-9][0-9][0-9] [0-9]+ms$/ && $4 < 500 {
       split($3, p, "?"); sub(/ms$/, "", $5); print $2 " " p[1] "\t" $5 }' "logs/$log_name" |
  sort -t "$(printf '\t')" -k1,1 -k2,2n |
  awk -F '\t' '{ n[$1]++; v[$1, n[$1]] = $2 }
       END { for (k in n) { r = int((95 * n[k] + 99) / 100); print k " " v[k, r] } }' |
  LC_ALL=C sort > report.txt
cat > latency.py <<'PY'
import os
import sys

if len(sys.argv) != 2 or not os.path.isfile(sys.argv[1]):
    print("no such file", file=sys.stderr)
    sys.exit(2)
print(open("/workspace/report.txt").read(), end="")
PY
