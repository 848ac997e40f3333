#!/usr/bin/env bash
# Debian/Ubuntu system packages the course's tests need (nothing is downloaded by the tests):
#   chromium         tests/test_browser.py drives it at /usr/bin/chromium (Playwright comes from
#                    pip, `pip install -e .[browser]`; no browser is downloaded)
#   fonts-liberation readable text in pages and screenshots
#   fonts-noto-cjk   the Chinese titles of figures and pages (Noto Sans CJK)
#   bubblewrap       `bwrap`: `deconv-course grade` runs each student kernel in a bubblewrap jail
set -euo pipefail

PACKAGES=(chromium fonts-liberation fonts-noto-cjk bubblewrap)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "system-deps.sh: needs root (or sudo) to run apt-get install ${PACKAGES[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"

/usr/bin/chromium --version
bwrap --version
# grep reads all of fc-list's output (no -q): with pipefail, an early exit would SIGPIPE fc-list (141).
if fc-list | grep "Noto Sans CJK" >/dev/null; then
    echo "Noto Sans CJK: installed"
else
    echo "system-deps.sh: fonts-noto-cjk installed but fc-list shows no Noto Sans CJK" >&2
    exit 1
fi
