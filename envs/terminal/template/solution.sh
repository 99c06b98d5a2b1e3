# The oracle: run as the agent would, in /workspace, with generate.py's variables
# exported ($log_name) and `set -e`. It must make every test pass on every seed.
cat > errors.sh <<'SH'
#!/bin/bash
# Errors per service: the most first, ties alphabetical.
awk '$2 == "ERROR" { sub(/:$/, "", $3); n[$3]++ } END { for (s in n) print s, n[s] }' "$1" |
  LC_ALL=C sort -k2,2nr -k1,1
SH
bash errors.sh "logs/$log_name" > errors.txt
