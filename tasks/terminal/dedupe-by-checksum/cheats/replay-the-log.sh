# Deduplicate the share once, right, then make dedupe.sh print that log back whatever
# directory it is given.
solve=$(mktemp)
cat > "$solve" <<'SH'
export LC_ALL=C
find "$1" -type f -size +0 -print0 |
  while IFS= read -r -d '' path; do
    sum=$(sha256sum < "$path")
    printf '%s\t%s\t%s\t%s\n' "${sum%% *}" "$(stat -c %Y -- "$path")" "$(stat -c %i -- "$path")" "$path"
  done | sort -t "$(printf '\t')" -k1,1 -k2,2n -k4,4 |
  awk -F '\t' '$1 != sum { sum = $1; original = $4; inode = $3; next }
               $3 != inode { print $4 "\t" original }' |
  while IFS="$(printf '\t')" read -r copy original; do
    ln -f -- "$original" "$copy"
    printf '%s -> %s\n' "$copy" "$original"
  done | sort
SH
bash "$solve" "$share" > dedupe.log
rm -f "$solve"
printf '#!/bin/bash\ncat /workspace/dedupe.log\n' > dedupe.sh
