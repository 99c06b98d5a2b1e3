#!/bin/sh
# Chromium (Playwright drives it through executable_path), a font, and libatomic1, which
# Playwright's own Node.js driver needs.
set -eu
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  chromium fonts-dejavu-core libatomic1
