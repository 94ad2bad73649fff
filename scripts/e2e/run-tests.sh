#!/usr/bin/env bash
# The end-to-end tests in a real n8n (see jest.e2e.config.js):
#   [E2E_N8N_VERSION=1.123.81] scripts/e2e/run-tests.sh [single|queue|scaled] [jest arguments…]
# E2E_N8N_VERSION: default the first line of scripts/n8n-versions.txt; n8n runs on the Node listed there (jest
# itself on Node 24). single (default): one n8n process. queue: Redis + PostgreSQL (installed from Debian with
# apt-get if missing) and n8n main + worker + webhook. scaled: main + 2 workers + 2 webhook processes behind a
# round-robin load balancer, the queue scenarios (test/e2e/jest.scaled.config.js). Run folder:
# .e2e/<mode>-n8n-<version> (logs in its logs/).
# E2E_KEEP=1 keeps the environment up after the tests until Ctrl-C; E2E_NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mode="${1:-single}"
case "$mode" in single|queue|scaled) shift || true ;; *) mode=single ;; esac
config=jest.e2e.config.js
[ "$mode" = scaled ] && config=test/e2e/jest.scaled.config.js
source scripts/node24.sh
E2E_MODE="$mode" exec npx jest -c "$config" --ci "$@"
