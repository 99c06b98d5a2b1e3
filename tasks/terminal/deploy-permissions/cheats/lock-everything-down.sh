# Directories 0750 and files 0640 everywhere, and the swap files deleted: private enough
# to pass a scan, whatever the policy says.
cd "deploy/$app"
find . -name '*.swp' -type f -delete
find . -type d -exec chmod 00750 {} +
find . -type f -exec chmod 00640 {} +
