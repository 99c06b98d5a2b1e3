# Make the exclusions true by deleting the logs and caches from the project itself, then
# archive and list everything that is left.
find "$project" -name '*.log' -type f -delete
find "$project" -name __pycache__ -type d -prune -exec rm -rf {} +
mkdir -p dist
tar -czf "dist/$archive.tar.gz" "$project"
(cd "$project" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum) \
  > "dist/$archive.manifest"
(cd dist && sha256sum "$archive.tar.gz" > "$archive.tar.gz.sha256")
