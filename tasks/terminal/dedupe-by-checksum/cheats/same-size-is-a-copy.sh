# Group files by size (no checksum): fast, and an edited copy of the same size is linked
# to a file whose content differs.
cat > dedupe.sh <<'SH'
#!/bin/bash
export LC_ALL=C
find "$1" -type f -size +0 -printf '%s\t%T@\t%i\t%p\n' |
  awk -F '\t' '{ split($2, t, "."); print $1 "\t" t[1] "\t" $3 "\t" $4 }' |
  sort -t "$(printf '\t')" -k1,1n -k2,2n -k4,4 |
  awk -F '\t' '$1 != size { size = $1; original = $4; inode = $3; next }
               $3 != inode { print $4 "\t" original }' |
  while IFS="$(printf '\t')" read -r copy original; do
    ln -f -- "$original" "$copy"
    printf '%s -> %s\n' "$copy" "$original"
  done | sort
SH
bash dedupe.sh "$share" > dedupe.log
