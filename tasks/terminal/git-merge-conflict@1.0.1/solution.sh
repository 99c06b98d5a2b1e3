cd repo
git merge --no-edit "$branch" || true
git status --short
python3 - "$old_key" "$new_key" <<'PY'
import re
import subprocess
import sys

old, new = sys.argv[1], sys.argv[2]


def stage(n, path):
    return subprocess.run(["git", "show", f":{n}:{path}"], capture_output=True, text=True, check=True).stdout


# app/config.py: in each conflict, take the branch's lines with main's key name.
text = open("app/config.py").read()
pattern = re.compile(r"<<<<<<< [^\n]*\n(.*?)=======\n(.*?)>>>>>>> [^\n]*\n", re.S)
text = pattern.sub(lambda m: m.group(2).replace(f'"{old}"', f'"{new}"'), text)
open("app/config.py", "w").write(text)

# CHANGELOG.md: every section of both sides, newest first.
head, sections = None, {}
for side in (stage(2, "CHANGELOG.md"), stage(3, "CHANGELOG.md")):
    parts = re.split(r"(?m)^(?=## )", side)
    head = parts[0]
    for part in parts[1:]:
        sections.setdefault(part.splitlines()[0], part.rstrip("\n") + "\n")
ordered = sorted(sections.items(), key=lambda item: item[0][3:13], reverse=True)
open("CHANGELOG.md", "w").write(head + "\n".join(body for _, body in ordered))
PY
# Code from the branch that still reads the old key.
grep -rl "\"$old_key\"" --include='*.py' . | xargs -r sed -i "s/\"$old_key\"/\"$new_key\"/g"
git add -A
git commit -q --no-edit
git log --oneline --graph -n 6
cat app/config.py CHANGELOG.md
