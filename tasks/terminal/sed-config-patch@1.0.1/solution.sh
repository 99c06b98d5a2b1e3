conf="etc/$conf_name"
cp -p -- "$conf" "$conf.bak"
# Each edit is limited to its section: from the [name] line to the next [header].
sed -i \
    -e "/^\[$port_section\]/,/^\[/ s/^\(port *= *\).*/\1$new_port/" \
    -e "/^\[$timeout_section\]/,/^\[/ s/^\(timeout *= *\).*/\1$new_timeout/" \
    -e "/^\[$uncomment_section\]/,/^\[/ s/^# *$uncomment_key *=.*/$uncomment_key = $uncomment_value/" \
    -- "$conf"
last=$(awk -v header="[$add_section]" '
    /^\[/ { inside = ($0 == header) }
    inside && /^[A-Za-z_][A-Za-z0-9_.-]* *=/ { last = NR }
    END { print last }' "$conf")
sed -i "${last}a\\
$add_key = $add_value" -- "$conf"
diff "$conf.bak" "$conf" || true
