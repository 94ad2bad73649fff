#!/usr/bin/env bash
# The demo: Node 24 and n8n 2.41 (cached outside the clone), this package built and installed in n8n as a
# community package, the APIXO simulator, the example workflows and an APIXO credential imported.
# With APIXO_API_KEY set, the credential points at the real API and no simulator runs. Ctrl-C stops it all.
# - The editor is on port 5678 (n8n's default) when it is free, else on a port it prints (the first free from 5680).
# - The files folder (.e2e/demo/files) is kept from one start to the next; n8n itself starts fresh each time.
# - Everything the demo writes is readable by this user only (the state file and n8n's database hold keys).
# APIXO_DEMO_DIR moves the demo's folder (default .e2e/demo); extra arguments go to scripts/e2e/cli.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# npm's advice (deprecated packages, install scripts it ran) is not for someone trying the demo; errors still show.
export npm_config_loglevel="${npm_config_loglevel:-error}"
source scripts/node24.sh
if [ ! -d node_modules/n8n-workflow ]; then
  echo "Installing the development dependencies (once, about a minute)" >&2
  npm ci --no-audit --no-fund
fi
npm run --silent build
npm run --silent build:tools
demo="${APIXO_DEMO_DIR:-.e2e/demo}"
time_scale=0.1 # tasks take 3-6 s instead of 30-60 s in the simulator
# The examples wait as long as the simulator takes; against the real API they keep APIXO's timings.
example_scale="$time_scale"
if [ -n "${APIXO_API_KEY:-}" ]; then example_scale=1; fi
node build/scripts/demo-examples.js --examples examples --out "$demo-examples" --files "$demo/files" --time-scale "$example_scale"
umask 077
exec node build/scripts/e2e/cli.js --mode single --run-dir "$demo" --workflows "$demo-examples" --time-scale "$time_scale" \
  --editor-port 5678 --keep-files --no-build "$@"
