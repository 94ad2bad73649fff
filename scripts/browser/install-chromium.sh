#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test (test/browser), once: skipped when /usr/bin/chromium runs.
# Never a browser download by a test tool (`npx playwright install` cannot reach its hosts here): playwright-core
# drives this Chromium through executablePath. Needs root (CI runs as root) or passwordless sudo.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1; then
  "$CHROMIUM" --version >&2
  exit 0
fi
echo "Installing Debian's chromium (apt-get), once" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
"$CHROMIUM" --version >&2
