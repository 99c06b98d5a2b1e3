#!/bin/sh
# Build the Python base of the family images offline: debootstrap a minimal Debian with its
# python3 (3.11 on bookworm, the host's, so wheels built on the host fit) from the configured
# apt mirror and `docker import` it. No registry is needed. Cached twice, like the terminal
# base: the image (its tag carries a hash of this script) and the rootfs tarball under
# $SKILLGYM_CACHE (a lost docker data dir re-imports in seconds instead of re-bootstrapping).
#
#   sh containers/base/build-base.sh          # builds when missing; prints the image tag
#   sh containers/base/build-base.sh --tag    # only prints the tag it builds
#
# The image is also tagged skillgym/python-base:latest, the family Dockerfiles' default BASE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suite=${SKILLGYM_DEBIAN_SUITE:-bookworm}
mirror=${SKILLGYM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${SKILLGYM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skillgym}
hash=$(sha256sum <"$here/build-base.sh" | cut -c1-12)
tag="skillgym/python-base:$hash"

if [ "${1:-}" = "--tag" ]; then echo "$tag"; exit 0; fi
if docker image inspect "$tag" >/dev/null 2>&1; then
  docker tag "$tag" skillgym/python-base:latest
  echo "$tag"
  exit 0
fi

tarball="$cache/python-base-$hash.tar"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  mkdir -p "$cache"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "debootstrap $suite (python3) from $mirror ..." >&2
  debootstrap --variant=minbase --include=python3 "$suite" "$root" "$mirror" >&2
  # The family images install their packages with apt (over `docker build --network host`):
  # the release, its updates and its security fixes.
  rm -f "$root/etc/apt/sources.list"
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: %s-security\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" "$suite" "$mirror" "$suite" >"$root/etc/apt/sources.list.d/debian.sources"
  # Lean layers above this one too: dpkg leaves out documentation and translations, and apt
  # keeps no downloaded .deb files.
  printf 'path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\npath-exclude=/usr/share/locale/*\npath-include=/usr/share/locale/locale.alias\n' \
    >"$root/etc/dpkg/dpkg.cfg.d/skillgym-nodoc"
  printf 'APT::Keep-Downloaded-Packages "false";\nAPT::Install-Recommends "false";\n' \
    >"$root/etc/apt/apt.conf.d/90skillgym"
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/cache/apt"/*.bin "$root/var/lib/apt/lists"/* \
    "$root/usr/share/man" "$root/usr/share/info" "$root/var/log"/*.log
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
  tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
fi
docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' \
  "$tarball" "$tag" >/dev/null
docker tag "$tag" skillgym/python-base:latest
echo "$tag"
