#!/usr/bin/env bash
# System packages for tests/test_browser.py: Debian's Chromium (Playwright drives it at
# /usr/bin/chromium; no browser is downloaded) and a small font package so pages and
# screenshots have readable text. Playwright itself comes from pip: `pip install -e .[browser]`.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "browser-deps.sh: needs root (or sudo) to run apt-get" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-liberation

/usr/bin/chromium --version
