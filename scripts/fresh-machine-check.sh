#!/usr/bin/env bash
# By hand only: proves the README's two commands do all of their own set-up on a fresh machine.
# It removes memcached and chromium (apt-get remove), clones the committed repository into a temporary
# folder, runs the README's commands there exactly as written (the demo one with `--check`, which starts the
# six demos, proves the shared session over HTTP and stops them), and reinstalls both packages on exit,
# whatever happened (a trap). Uncommitted changes are not in the clone: commit first.
#
# Never in CI, and never beside another test run: removing chromium breaks any browser test running meanwhile.
#   bash scripts/fresh-machine-check.sh
set -euo pipefail

if [ "${CI:-}" = true ]; then
  echo "fresh-machine-check: refusing to run under CI=true (it removes system packages)" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "fresh-machine-check: needs root (apt-get remove/install)" >&2
  exit 2
fi
busy=$(pgrep -f 'vitest|turbo run|next build' || true)
if [ -n "$busy" ]; then
  echo "fresh-machine-check: other test runs are going on (pids: $(echo $busy)); run this when the machine is quiet" >&2
  exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/cloakroom-fresh.XXXXXX)
PACKAGES=(memcached chromium)

restore() {
  status=$?
  echo "fresh-machine-check: reinstalling ${PACKAGES[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || echo "fresh-machine-check: could not reinstall ${PACKAGES[*]}: do it by hand" >&2
  rm -rf "$work"
  if [ $status = 0 ]; then echo "fresh-machine-check: PASSED"; else echo "fresh-machine-check: FAILED ($status)" >&2; fi
  exit $status
}
trap restore EXIT
trap 'exit 130' INT TERM

echo "fresh-machine-check: removing ${PACKAGES[*]}"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "${PACKAGES[@]}" >/dev/null
for binary in "${PACKAGES[@]}"; do
  if command -v "$binary" >/dev/null; then
    echo "fresh-machine-check: $binary is still on PATH after apt-get remove" >&2
    exit 1
  fi
done

git clone -q "$repo" "$work/cloakroom"
cd "$work/cloakroom"
# A fresh shell for each command, without this shell's PATH additions (bootstrap.sh must bring its own).
# What the machine itself provides stays (its CA bundle and proxy settings reach the registries).
clean_env=(env -i HOME="$HOME" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM="${TERM:-dumb}")
for name in NODE_EXTRA_CA_CERTS SSL_CERT_FILE HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [ -n "${!name:-}" ]; then clean_env+=("$name=${!name}"); fi
done

start=$(date +%s)
echo "fresh-machine-check: 1. . ./.ci/bootstrap.sh && pnpm install && pnpm demo --check"
"${clean_env[@]}" bash -c '. ./.ci/bootstrap.sh && pnpm install && pnpm demo --check'
echo "fresh-machine-check: 2. . ./.ci/bootstrap.sh && pnpm install && pnpm test"
"${clean_env[@]}" bash -c '. ./.ci/bootstrap.sh && pnpm install && pnpm test'
echo "fresh-machine-check: both commands passed in $(( $(date +%s) - start ))s"
