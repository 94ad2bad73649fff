#!/usr/bin/env bash
# Prints "<n8n version> <Node version>" for an n8n version (default: the first line of scripts/n8n-versions.txt):
# the Node listed for it there, else the Node of the listed version with the same major (1.x, 2.x).
#   scripts/n8n-version.sh [n8n version]        scripts/n8n-version.sh --all   (every listed version, one a line)
set -euo pipefail
table="$(dirname "${BASH_SOURCE[0]}")/n8n-versions.txt"
rows() { grep -v '^[[:space:]]*#' "$table" | awk 'NF >= 2 { print $1, $2 }'; }
if [ "${1:-}" = "--all" ]; then rows; exit 0; fi
wanted="${1:-$(rows | head -1 | cut -d' ' -f1)}"
node="$(rows | awk -v v="$wanted" '$1 == v { print $2; exit }')"
if [ -z "$node" ]; then
  node="$(rows | awk -v major="${wanted%%.*}" 'index($1, major ".") == 1 { print $2; exit }')"
fi
if [ -z "$node" ]; then
  echo "n8n $wanted: no Node version for n8n ${wanted%%.*}.x in $table" >&2
  exit 1
fi
echo "$wanted $node"
