#!/bin/sh
# Build a stand-in for a public OS image (debian:12, ubuntu:24.04, ...) offline, for imported
# Harbor tasks whose Dockerfile starts FROM one: no registry is reachable, so the image is
# debootstrapped (minbase, as the official images are) from the distribution's own mirror and
# `docker import`ed. One package is added: python3, which SkillGym's shell server runs on. Cached twice: the image (its tag carries a hash of this script) and the
# rootfs tarball under $SKILLGYM_CACHE/harbor.
#
#   sh containers/harbor/os-image.sh DISTRO SUITE     # e.g. debian trixie, ubuntu noble
#
# Prints the image tag, skillgym/harbor-os:SUITE-HASH. Its apt sources name the release, its
# updates and its security fixes, so a Dockerfile's `apt-get install` works as on the original.
set -eu
distro=$1 suite=$2
here=$(cd "$(dirname "$0")" && pwd)
cache=${SKILLGYM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skillgym}/harbor
hash=$(sha256sum <"$here/os-image.sh" | cut -c1-12)
tag="skillgym/harbor-os:$suite-$hash"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi

case $distro in
  debian)
    mirror=${SKILLGYM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    script=$suite components=main
    [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=sid ;;
  ubuntu)
    mirror=${SKILLGYM_UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}
    keyring=/usr/share/keyrings/ubuntu-archive-keyring.gpg
    # Debian 12's debootstrap stops at jammy; every later release bootstraps the same way.
    script=$suite components="main universe"
    [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=gutsy ;;
  *) echo "expects DISTRO debian or ubuntu, actual value: $distro" >&2; exit 2 ;;
esac
[ -s "$keyring" ] || { echo "$keyring is missing: apt-get install ${distro}-keyring (bookworm-backports has ubuntu-keyring)" >&2; exit 1; }

tarball="$cache/os-$suite-$hash.tar"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  mkdir -p "$cache"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "debootstrap $distro $suite from $mirror ..." >&2
  debootstrap --variant=minbase --include=python3 --keyring="$keyring" --components="$(echo $components | tr ' ' ,)" \
    "$suite" "$root" "$mirror" "/usr/share/debootstrap/scripts/$script" >&2
  rm -f "$root/etc/apt/sources.list"
  if [ "$distro" = debian ]; then
    security="$mirror-security"; security=${security%/debian-security}/debian-security
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
      "$mirror" "$suite" "$suite" "$keyring" "$security" "$suite" "$keyring" >"$root/etc/apt/sources.list.d/debian.sources"
  else
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates %s-security\nComponents: %s\nSigned-By: %s\n' \
      "$mirror" "$suite" "$suite" "$suite" "$components" "$keyring" >"$root/etc/apt/sources.list.d/ubuntu.sources"
  fi
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/cache/apt"/*.bin "$root/var/lib/apt/lists"/* "$root/var/log"/*.log
  tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
fi
docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["/bin/bash"]' "$tarball" "$tag" >/dev/null
echo "$tag"
