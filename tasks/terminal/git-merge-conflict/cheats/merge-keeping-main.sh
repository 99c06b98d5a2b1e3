# Let git settle every conflict for main's side, commit, and clean up.
cd repo
git merge --no-edit -X ours "$branch"
git clean -fdxq
