#!/bin/sh
# bubblewrap, which runs each episode's sandbox inside the replica, and every package a
# terminal sandbox provides (packages.txt beside this script, kept in the image).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apt-get update -qq
# shellcheck disable=SC2046
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  bubblewrap $(grep -v '^#' "$here/packages.txt")
