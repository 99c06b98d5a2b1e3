#!/bin/sh
# Install the spreadsheet family's formula engine: LibreOffice Calc >= 24.8 (headless),
# its Python bridge and its Python script provider. Idempotent: does nothing when they
# are there. On Debian 12 the release's LibreOffice (7.4) lacks XLOOKUP, so it comes
# from bookworm-backports; newer Debian releases have it in main.
set -eu
PACKAGES="libreoffice-calc-nogui python3-uno libreoffice-script-provider-python"
MINIMUM=24.8

installed_version() {
    dpkg-query -W -f='${Version}' libreoffice-calc-nogui 2>/dev/null | sed 's/^[0-9]*://; s/[-+~].*//'
}
ready() {
    for package in $PACKAGES; do
        dpkg -s "$package" >/dev/null 2>&1 || return 1
    done
    version=$(installed_version)
    [ -n "$version" ] && dpkg --compare-versions "$version" ge "$MINIMUM"
}

ready && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
. /etc/os-release
TARGET=""
if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
    SOURCE=/etc/apt/sources.list.d/bookworm-backports.sources
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            | $SUDO tee "$SOURCE" >/dev/null
    fi
    TARGET="-t bookworm-backports"
fi
echo "installing the spreadsheet engine: $PACKAGES ${TARGET}"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $TARGET $PACKAGES
ready || { echo "LibreOffice $MINIMUM or newer is needed; found $(installed_version)"; exit 1; }
