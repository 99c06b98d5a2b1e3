cat > backup.sh <<'SH'
#!/usr/bin/env bash
# backup.sh SRC DEST: copy the directory SRC to the new directory DEST, all or nothing.
set -euo pipefail

prog=${0##*/}
tmp=''
child=''

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() {
    local code=$1
    shift
    log "error: $*"
    exit "$code"
}
cleanup() {
    if [[ -n $child ]]; then
        kill -- "$child" 2>/dev/null || true
        wait -- "$child" 2>/dev/null || true
    fi
    if [[ -n $tmp && -e $tmp ]]; then
        log "removing the unfinished copy $tmp"
        rm -rf -- "$tmp"
    fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

if (( $# != 2 )) || [[ -z $1 || -z $2 ]]; then
    printf 'usage: %s SRC DEST\n' "$prog" >&2
    exit 64
fi
src=$1
dest=$2

[[ -d $src ]] || die 66 "the source is not a directory: $src"
src_real=$(realpath -e -- "$src")
dest_real=$(realpath -m -- "$dest")
if [[ $dest_real == "$src_real" || $dest_real == "$src_real"/* ]]; then
    die 65 "the destination $dest is inside the source $src"
fi
if [[ -e $dest || -L $dest ]]; then
    die 73 "the destination already exists: $dest"
fi

parent=$(dirname -- "$dest")
log "copying $src to $dest"
tmp=$(mktemp -d -- "$parent/.backup.XXXXXX") || die 73 "cannot create a directory in $parent"
cp -a -- "$src/." "$tmp/" &
child=$!
if ! wait "$child"; then
    child=''
    die 74 "the copy failed; nothing was written to $dest"
fi
child=''
mv -T -- "$tmp" "$dest" || die 74 "cannot move the copy into place at $dest"
tmp=''
log "done: $dest"
SH
chmod +x backup.sh
bash backup.sh "/workspace/$src_name" "/workspace/backups/$dest_name"
