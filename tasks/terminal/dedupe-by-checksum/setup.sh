# Modes and modification times as the share really has them, then a symlink to one original.
printf '%s' "$stamps" | while IFS="$(printf '\t')" read -r mode when path; do
  chmod "$mode" -- "$path"
  touch -m -d "@$when" -- "$path"
done
ln -s -- "$link_target" "$link_name"
