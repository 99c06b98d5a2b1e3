# A rotate.sh that copies each big log to NAME.log.1 and truncates it: no generations.
cat > rotate.sh <<SH
dir=\${1:-/workspace/logs}
for log in "\$dir"/*.log; do
  if [ "\$(stat -c %s "\$log")" -gt $max_bytes ]; then cp -p "\$log" "\$log.1"; : > "\$log"; fi
done
SH
bash rotate.sh logs
