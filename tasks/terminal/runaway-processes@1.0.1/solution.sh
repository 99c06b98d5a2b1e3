# Freeze the whole runaway tree first (so nothing respawns), then kill it, until none is left.
pattern="^$app-(spawner|worker-[0-9]+|chunk-[0-9]+)\$"
ps -eo pid,ppid,stat,comm,args
: > killed.txt
for _ in $(seq 1 20); do
  pids=$(pgrep -x "$app-(spawner|worker-[0-9]+|chunk-[0-9]+)" || true)
  [ -z "$pids" ] && break
  kill -STOP $pids 2>/dev/null || true
  for pid in $pids; do
    name=$(ps -o comm= -p "$pid" || true)
    if [[ "$name" =~ $pattern ]]; then
      echo "$pid $name" >> killed.txt
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  sleep 0.3
done
sort -u killed.txt -o killed.txt
cat killed.txt
ps -eo pid,ppid,stat,comm
