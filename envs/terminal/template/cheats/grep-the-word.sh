# Count every line that mentions ERROR anywhere, WARN lines about an upstream ERROR too.
cat > errors.sh <<'SH'
#!/bin/bash
grep ERROR "$1" | awk '{ sub(/:$/, "", $3); n[$3]++ } END { for (s in n) print s, n[s] }' |
  LC_ALL=C sort -k2,2nr -k1,1
SH
bash errors.sh "logs/$log_name" > errors.txt
