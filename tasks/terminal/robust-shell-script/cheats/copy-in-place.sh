# Every argument check and exit code, but the copy goes straight into DEST (no temporary
# directory, no trap): DEST exists half-written while it runs and after an interruption.
cat > backup.sh <<'SH'
#!/usr/bin/env bash
if (( $# != 2 )) || [[ -z $1 || -z $2 ]]; then echo "usage: backup.sh SRC DEST" >&2; exit 64; fi
[[ -d $1 ]] || { echo "no such directory: $1" >&2; exit 66; }
src=$(realpath -e -- "$1"); dest=$(realpath -m -- "$2")
[[ $dest == "$src" || $dest == "$src"/* ]] && { echo "DEST is inside SRC" >&2; exit 65; }
[[ -e $2 || -L $2 ]] && { echo "DEST exists: $2" >&2; exit 73; }
echo "copying $1 to $2" >&2
mkdir -- "$2" && cp -a -- "$1/." "$2/" || { rm -rf -- "$2"; echo "copy failed" >&2; exit 74; }
echo "done" >&2
SH
bash backup.sh "/workspace/$src_name" "/workspace/backups/$dest_name"
