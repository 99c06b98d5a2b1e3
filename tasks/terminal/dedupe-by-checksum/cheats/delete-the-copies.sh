# The right groups and originals, but every copy deleted instead of linked: the space is
# freed and the paths are gone.
cat > dedupe.sh <<'SH'
#!/bin/bash
export LC_ALL=C
find "$1" -type f -size +0 -print0 |
  while IFS= read -r -d '' path; do
    sum=$(sha256sum < "$path")
    printf '%s\t%s\t%s\n' "${sum%% *}" "$(stat -c %Y -- "$path")" "$path"
  done | sort -t "$(printf '\t')" -k1,1 -k2,2n -k3,3 |
  awk -F '\t' '$1 != sum { sum = $1; original = $3; next } { print $3 "\t" original }' |
  while IFS="$(printf '\t')" read -r copy original; do
    rm -f -- "$copy"
    printf '%s -> %s\n' "$copy" "$original"
  done | sort
SH
bash dedupe.sh "$share" > dedupe.log
