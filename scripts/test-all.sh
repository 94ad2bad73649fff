#!/usr/bin/env bash
# The project's whole check, as CI runs it: Node 24, a clean install, build, type check, lint, unit and engine
# tests, then the end-to-end tests in a real n8n (single process and queue mode).
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
