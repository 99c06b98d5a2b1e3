# A blunt strategy the tests must not pay: get the episode's report right once, then
# make errors.sh print it back whatever log it is given. Run like solution.sh.
awk '$2 == "ERROR" { sub(/:$/, "", $3); n[$3]++ } END { for (s in n) print s, n[s] }' \
  "logs/$log_name" | LC_ALL=C sort -k2,2nr -k1,1 > errors.txt
printf '#!/bin/bash\ncat /workspace/errors.txt\n' > errors.sh
