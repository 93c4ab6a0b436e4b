#!/usr/bin/env bash
# Idempotent set-up for a fresh clone on Debian: npm dependencies (with the generated Prisma client) and, with
# --browser, Debian's chromium for the end-to-end tests, and with --postgres, Debian's postgresql for the store tests. Nothing here downloads outside npm and apt.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PRISMA_SCHEMA_ENGINE_BINARY=/bin/true

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f lib/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt lib/generated/prisma/client.ts ]; then
  echo "setup: generating the Prisma client (SQLite)"
  npx prisma generate >/dev/null
fi
if [ ! -f lib/generated/prisma-postgresql/client.ts ] || [ prisma/postgresql/schema.prisma -nt lib/generated/prisma-postgresql/client.ts ]; then
  echo "setup: generating the Prisma client (PostgreSQL)"
  npx prisma generate --schema prisma/postgresql/schema.prisma >/dev/null
fi

apt_install() {
  local runner=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to apt-get install $*" >&2; exit 1; }
    runner=(sudo)
  fi
  echo "setup: installing $* from Debian"
  "${runner[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

for arg in "$@"; do
  case "$arg" in
    --browser) command -v chromium >/dev/null || apt_install chromium ;;
    --postgres) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done
