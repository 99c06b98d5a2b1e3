cat > rotate.sh <<SH
#!/usr/bin/env bash
# Copy-truncate rotation of DIR/*.log over ${max_kb} KB, keeping ${keep} generations.
set -euo pipefail
dir=\${1:-/workspace/logs}
max_bytes=${max_bytes}
keep=${keep}
SH
cat >> rotate.sh <<'SH'
shopt -s nullglob
for log in "$dir"/*.log; do
    [[ -f $log && ! -L $log ]] || continue
    size=$(stat -c %s -- "$log")
    if (( size <= max_bytes )); then
        continue
    fi
    rm -f -- "$log.$keep.gz"
    for (( i = keep - 1; i >= 2; i-- )); do
        if [[ -e $log.$i.gz ]]; then
            mv -f -- "$log.$i.gz" "$log.$(( i + 1 )).gz"
        fi
    done
    if [[ -e $log.1 ]]; then
        mv -f -- "$log.1" "$log.2"
        gzip -f -- "$log.2"  # gzip keeps the file's mtime on the .gz
    fi
    cp -p -- "$log" "$log.1"
    truncate -s 0 -- "$log"  # same inode: the writer's O_APPEND descriptor goes on at 0
done
SH
chmod +x rotate.sh
bash rotate.sh logs
