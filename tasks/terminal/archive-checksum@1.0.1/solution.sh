mkdir -p dist
tar -czf "dist/$archive.tar.gz" --exclude='*.log' --exclude='__pycache__' "$project"
(
  cd "$project"
  find . -type f ! -name '*.log' ! -path '*/__pycache__/*' | sed 's|^\./||' | LC_ALL=C sort |
    while IFS= read -r path; do sha256sum "$path"; done
) > "dist/$archive.manifest"
(cd dist && sha256sum "$archive.tar.gz" > "$archive.tar.gz.sha256")
