# Give every seeded file its age (generate.py lists them in .stamps), then drop the list.
while IFS=$'\t' read -r stamp path; do
    touch -d "@$stamp" -- "$path"
done < .stamps
rm -f .stamps
