# One recursive chmod for the whole tree (owner writes, everyone reads and enters) and the
# swap files deleted: no per-directory policy.
cd "deploy/$app"
find . -name '*.swp' -type f -delete
chmod -R u=rwX,go=rX .
