#!/usr/bin/env bash
# Starts a real n8n (2.41, Node 24) with this package installed as a community package, an `apixoApi`
# credential pointing at the APIXO simulator, and the given workflows imported and published; Ctrl-C stops
# everything it started. Options (see scripts/e2e/cli.ts):
#   scripts/e2e/n8n-env.sh [--mode single|queue] [--run-dir DIR] [--workflows DIR] [--publish ID,ID]
#                          [--time-scale X] [--no-build] [--drop-missing-nodes]
# Example: scripts/e2e/n8n-env.sh --workflows examples     (run folder: .e2e/dev-single)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
source scripts/node24.sh
npx tsc -p tsconfig.tools.json
exec node build/scripts/e2e/cli.js "$@"
