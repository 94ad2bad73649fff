# Source this file: it makes Node 24 the first `node` on PATH (see scripts/node.sh: cached outside the clone).
# The project (build, tests, n8n 2.x, n8n-core 2.41 in the engine tests) runs on Node >= 24.
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
source "$(dirname "${BASH_SOURCE[0]}")/node.sh" "$NODE24_VERSION"
