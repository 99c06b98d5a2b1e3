# Let git settle every conflict for the branch's side, commit, and clean up.
cd repo
git merge --no-edit -X theirs "$branch"
git clean -fdxq
