#!/usr/bin/env bash
# The demo: Node 24 and n8n 2.41 (cached outside the clone), this package built and installed in n8n as a
# community package, the APIXO simulator, the example workflows and an APIXO credential imported.
# With APIXO_API_KEY set, the credential points at the real API and no simulator runs. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node24.sh
[ -d node_modules/n8n-workflow ] || npm ci --no-audit --no-fund
npm run --silent build
npm run --silent build:tools
# The examples save videos to Docker's ~/.n8n-files; here n8n may write only to the demo's files folder.
files="$PWD/.e2e/demo/files"
rm -rf .e2e/demo-examples && mkdir -p .e2e/demo-examples
for example in examples/*.json; do
  sed "s#/home/node/.n8n-files#$files#g" "$example" > ".e2e/demo-examples/$(basename "$example")"
done
echo "Videos saved by the examples go to $files"
# Tasks take 3-6 s instead of 30-60 s in the simulator, so the examples finish quickly.
exec node build/scripts/e2e/cli.js --mode single --run-dir .e2e/demo --workflows .e2e/demo-examples --time-scale 0.1 --no-build "$@"
