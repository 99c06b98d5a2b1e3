# Archive the whole project as it is and list every file in the manifest: no exclusions.
mkdir -p dist
tar -czf "dist/$archive.tar.gz" "$project"
(cd "$project" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum) \
  > "dist/$archive.manifest"
(cd dist && sha256sum "$archive.tar.gz" > "$archive.tar.gz.sha256")
