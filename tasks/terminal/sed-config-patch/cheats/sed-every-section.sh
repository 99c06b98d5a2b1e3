# The four edits made with one global sed each, whatever section a line is in, and the
# new key appended at the end of the file.
conf="etc/$conf_name"
cp -p "$conf" "$conf.bak"
sed -i -E \
  -e "s/^(port[[:space:]]*=[[:space:]]*).*/\1$new_port/" \
  -e "s/^(timeout[[:space:]]*=[[:space:]]*).*/\1$new_timeout/" \
  -e "s/^# $uncomment_key = .*/$uncomment_key = $uncomment_value/" "$conf"
echo "$add_key = $add_value" >> "$conf"
