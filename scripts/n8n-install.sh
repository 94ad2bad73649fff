#!/usr/bin/env bash
# Installs n8n (default 2.41.1) on Node 24 into a cache folder outside the clone and prints its bin folder.
# Notes: n8n 2.41.3 does not resolve from the registry; --ignore-scripts avoids the Kafka client's build
# (it downloads zlib); the SQLite driver is then built from source with `npm rebuild sqlite3`.
# A finished install leaves a marker; a folder without it is treated as half-finished and installed again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/node24.sh"
N8N_VERSION="${N8N_VERSION:-2.41.1}"
dir="$APIXO_KLING_CACHE/n8n-$N8N_VERSION-node-$NODE24_VERSION"
if [ ! -f "$dir/.complete" ] || [ ! -x "$dir/node_modules/.bin/n8n" ]; then
  echo "Installing n8n $N8N_VERSION into $dir (a few minutes, once)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    cd "$dir"
    npm init -y >/dev/null
    npm install --no-audit --no-fund --ignore-scripts "n8n@$N8N_VERSION" >&2
    npm rebuild sqlite3 >&2
  )
  touch "$dir/.complete"
fi
echo "$dir/node_modules/.bin"
