# Build /workspace/repo: main renames a setting, the branch changes its value.
set -e
git config --global user.name "$dev_name"
git config --global user.email "$dev_email"
git config --global init.defaultBranch main
mkdir -p /workspace/repo
cd /workspace/repo
git init -q -b main
root=""
while IFS=$'\t' read -r br when dir msg; do
  if [ -n "$root" ]; then
    git show-ref -q --verify "refs/heads/$br" || git branch "$br" "$root"
    git checkout -q "$br"
  fi
  cp -a "/workspace/.setup/$dir/." .
  git add -A
  GIT_AUTHOR_DATE="$when" GIT_COMMITTER_DATE="$when" git commit -q -m "$msg"
  [ -n "$root" ] || root=$(git rev-parse HEAD)
done < /workspace/.setup/plan
git checkout -q main
rm -rf /workspace/.setup
