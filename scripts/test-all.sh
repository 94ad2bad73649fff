#!/usr/bin/env bash
# The project's whole check, as CI runs it: Node 24, a clean install, build, type check, lint, unit and engine
# tests, then the end-to-end tests in a real n8n: the single-process suite on every n8n version in
# scripts/n8n-versions.txt (each on its own Node), queue mode on the first (default) one, and the editor test
# in Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node24.sh

step() { printf '\n==> %s\n' "$*"; }

step "Install"
npm ci --no-audit --no-fund
step "Build"
npm run build
npm run build:tools
step "Type check"
npm run typecheck
step "Lint (n8n community-node rules)"
npm run lint
step "Unit and engine tests"
npx jest --ci

mapfile -t versions < <(bash scripts/n8n-version.sh --all)
default_n8n="${versions[0]%% *}"
failed=()
for row in "${versions[@]}"; do
  read -r n8n_version node_version <<<"$row"
  step "End-to-end tests in a real n8n $n8n_version on Node $node_version (single process)"
  bash scripts/n8n-install.sh "$n8n_version" >/dev/null
  # Every version runs; the failures are summed up at the end.
  E2E_N8N_VERSION="$n8n_version" E2E_NO_BUILD=1 npm run test:e2e || failed+=("single process, n8n $n8n_version")
done
step "End-to-end tests in queue mode, n8n $default_n8n (Redis, PostgreSQL, main, worker, webhook)"
E2E_N8N_VERSION="$default_n8n" E2E_NO_BUILD=1 npm run test:e2e:queue || failed+=("queue mode, n8n $default_n8n")
step "Editor test in headless Chromium"
BROWSER_E2E_NO_BUILD=1 npm run test:browser || failed+=("editor test")

if [ "${#failed[@]}" -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
printf '\nAll checks passed.\n'
