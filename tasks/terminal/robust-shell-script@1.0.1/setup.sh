# Modes, mtimes, symlinks and an empty folder that a plain file list cannot carry.
while IFS= read -r -d '' kind && IFS= read -r -d '' arg && IFS= read -r -d '' path; do
    case $kind in
        file) chmod "${arg%%:*}" -- "$path" && touch -d "@${arg#*:}" -- "$path" ;;
        link) ln -s -- "$arg" "$path" ;;
        dir) mkdir -p -- "$path" ;;
    esac
done < .manifest
rm -f .manifest
mkdir -p backups
