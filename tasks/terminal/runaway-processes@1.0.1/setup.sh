# Start the services and the runaway pipeline, each in its own session.
set -e
bin="/workspace/services/$app/bin"
for n in $(seq 1 9); do
  ln -sf "$app-worker" "$bin/$app-worker-$n"
  ln -sf "$app-chunk" "$bin/$app-chunk-$n"
done
mkdir -p /workspace/logs "/workspace/services/$app/spool"
launch() {
  nohup python3 -c 'import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' "$@" \
    >/dev/null 2>&1 &
}
launch /workspace/services/metrics/bin/metrics-agent
launch "$bin/$app-api"
launch "$bin/$app-worker-$leftover" "$leftover"  # left behind by an earlier run
launch "$bin/$app-spawner" "$workers"
want=$((2 * workers + 5))
for _ in $(seq 1 100); do
  have=$(pgrep -c -x "metrics-agent|$app-(api|spawner|worker-[0-9]|chunk-[0-9])" || true)
  [ "$have" -ge "$want" ] && break
  sleep 0.1
done
