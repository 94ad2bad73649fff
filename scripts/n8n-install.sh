#!/usr/bin/env bash
# Installs one n8n version, on the Node.js that scripts/n8n-versions.txt gives it, into a cache folder outside the
# clone (once), and prints two lines: that Node's bin folder, then n8n's bin folder.
#   scripts/n8n-install.sh [n8n version]     (default: $E2E_N8N_VERSION, else the first line of n8n-versions.txt)
# Notes: --ignore-scripts avoids the Kafka client's build (it downloads zlib); the SQLite driver is then built from
# source for that Node with `npm rebuild sqlite3`. n8n 1.x's n8n-nodes-base takes `xlsx` from a tarball URL
# outside the npm registry: an `overrides` entry points it at the registry's xlsx. n8n 2.41.3 does not resolve from
# the registry (a missing @n8n/agents version): use 2.41.1.
# A finished install leaves a marker; a folder without it is treated as half-finished and installed again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
n8n_version="${1:-${E2E_N8N_VERSION:-}}"
read -r n8n_version node_version < <("$here/n8n-version.sh" "$n8n_version")
source "$here/node.sh" "$node_version"
dir="$APIXO_KLING_CACHE/n8n-$n8n_version-node-$node_version"
if [ ! -f "$dir/.complete" ] || [ ! -x "$dir/node_modules/.bin/n8n" ]; then
  echo "Installing n8n $n8n_version on Node $node_version into $dir (a few minutes, once)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    cd "$dir"
    if [ "${n8n_version%%.*}" = 1 ]; then
      printf '{ "name": "n8n-%s", "private": true, "dependencies": { "n8n": "%s" }, "overrides": { "xlsx": "0.18.5" } }\n' \
        "$n8n_version" "$n8n_version" > package.json
      npm install --no-audit --no-fund --ignore-scripts >&2
    else
      npm init -y >/dev/null
      npm install --no-audit --no-fund --ignore-scripts "n8n@$n8n_version" >&2
    fi
    npm rebuild sqlite3 >&2
  )
  touch "$dir/.complete"
fi
echo "$NODE_BIN"
echo "$dir/node_modules/.bin"
