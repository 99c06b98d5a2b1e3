cd "deploy/$app"
find . -type f -name '*.swp' -delete
# Numeric modes with five digits: a four-digit mode keeps a directory's setgid bit.
chmod 00755 .
find . -maxdepth 1 -type f -exec chmod 00644 {} +
chmod 00750 bin
find bin -type f -exec chmod 00750 {} +
find config -type d -exec chmod 00750 {} +
find config -type f -exec chmod 00640 {} +
find config/secrets -type f -exec chmod 00600 {} +
find config -type f \( -name '*.key' -o -name '*.pem' -o -name '*.env' \) -exec chmod 00600 {} +
find public -type d -exec chmod 00755 {} +
find public -type f -exec chmod 00644 {} +
find logs -type d -exec chmod 02770 {} +
find logs -type f -exec chmod 00660 {} +
find uploads -type d -exec chmod 00770 {} +
find uploads -type f -exec chmod 00640 {} +
