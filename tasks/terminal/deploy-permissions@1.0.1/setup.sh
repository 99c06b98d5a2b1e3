# Lay down the broken permissions a careless deploy left (modes can't travel in the tar).
cd "deploy/$app"
for dir in $empty_dirs; do mkdir -p "$dir"; done
printf '%s' "$initial_modes" | while read -r mode path; do chmod "$mode" "$path"; done
