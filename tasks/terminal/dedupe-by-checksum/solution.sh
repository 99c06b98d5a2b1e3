cat > dedupe.sh <<'SH'
#!/bin/bash
# Replace each copy of a content under DIR by a hard link to its original: the oldest
# file, then the first path in byte order. Empty files and symlinks are left alone.
set -euo pipefail
export LC_ALL=C
dir=${1:?usage: bash dedupe.sh DIR}
tab=$'\t'
# checksum, mtime, inode, path of every non-empty regular file; grouped by checksum,
# the original first; a copy already linked to its original (same inode) is skipped.
find "$dir" -type f -size +0 -print0 |
  while IFS= read -r -d '' path; do
    sum=$(sha256sum < "$path")
    printf '%s\t%s\t%s\t%s\n' "${sum%% *}" "$(stat -c %Y -- "$path")" "$(stat -c %i -- "$path")" "$path"
  done |
  sort -t "$tab" -k1,1 -k2,2n -k4,4 |
  awk -F '\t' '$1 != sum { sum = $1; original = $4; inode = $3; next }
               $3 != inode { print $4 "\t" original }' |
  while IFS="$tab" read -r copy original; do
    ln -f -- "$original" "$copy"
    printf '%s -> %s\n' "$copy" "$original"
  done |
  sort
SH
bash dedupe.sh "$share" > dedupe.log
