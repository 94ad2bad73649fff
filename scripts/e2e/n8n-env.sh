#!/usr/bin/env bash
# Starts a real n8n with this package installed as a community package, an `apixoApi` credential pointing at the
# APIXO simulator, and the given workflows imported and published; Ctrl-C stops everything it started. The n8n
# version: E2E_N8N_VERSION, default the first of scripts/n8n-versions.txt (which names the Node it runs on).
# Options (see scripts/e2e/cli.ts):
#   scripts/e2e/n8n-env.sh [--mode single|queue|scaled] [--run-dir DIR] [--workflows DIR] [--publish ID,ID]
#                          [--time-scale X] [--no-build] [--drop-missing-nodes] [--editor-port N] [--keep-files]
# Example: scripts/e2e/n8n-env.sh --workflows examples     (run folder: .e2e/dev-single)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
source scripts/node24.sh
npx tsc -p tsconfig.tools.json
exec node build/scripts/e2e/cli.js "$@"
