#!/usr/bin/env bash
# The project's whole check, as CI runs it: Node 24, a clean install, build, type check, lint, unit and engine
# tests, then the end-to-end tests in a real n8n (single process and queue mode) and the editor test in Chromium.
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
step "End-to-end tests in a real n8n"
bash scripts/n8n-install.sh >/dev/null
E2E_NO_BUILD=1 npm run test:e2e
step "End-to-end tests in queue mode (Redis, PostgreSQL, main, worker, webhook)"
E2E_NO_BUILD=1 npm run test:e2e:queue
step "Editor test in headless Chromium"
BROWSER_E2E_NO_BUILD=1 npm run test:browser
