# The parts a tar of regular files cannot carry: a nested empty directory and a symlink.
mkdir -p "$project/$empty_dir"
ln -s "$link_target" "$project/$link_path"
