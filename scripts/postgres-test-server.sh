#!/usr/bin/env bash
# Starts (or finds running) a throwaway PostgreSQL cluster for the test suites: Debian's postgresql, a data directory
# under the temp folder, loopback only, trust auth. Idempotent; prints the server URL (no database) on stdout.
#   ENVOY_LENS_TEST_PG_PORT   port (default 5439)
#   ENVOY_LENS_TEST_PG_DIR    data folder parent (default $TMPDIR/envoy-lens-test-pg)
set -euo pipefail
port="${ENVOY_LENS_TEST_PG_PORT:-5439}"
base="${ENVOY_LENS_TEST_PG_DIR:-${TMPDIR:-/tmp}/envoy-lens-test-pg}"
data="$base/data"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "postgres-test-server: Debian's postgresql is not installed (apt-get install postgresql)" >&2; exit 1; }

# initdb and the server refuse to run as root: run them as the postgres user when we are root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

mkdir -p "$base"
[ "$(id -u)" -eq 0 ] && chown postgres "$base"
if [ ! -f "$data/PG_VERSION" ]; then
  as_owner "'$bin/initdb' -D '$data' -U postgres --auth=trust -E UTF8 --no-sync >'$base/initdb.log' 2>&1" \
    || { cat "$base/initdb.log" >&2; exit 1; }
fi
if ! as_owner "'$bin/pg_ctl' -D '$data' status >/dev/null 2>&1"; then
  # Throwaway data: durability off for speed (fsync, synchronous_commit, full_page_writes). The planner is told what
  # the README recommends for a server on SSDs (random_page_cost 1.1: an index read of a recent range costs little
  # more than a sequential one) with room to cache the rollups (shared_buffers 512 MB).
  as_owner "'$bin/pg_ctl' -D '$data' -w -t 60 -l '$base/server.log' -o \"-p $port -k '$base' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c random_page_cost=1.1 -c shared_buffers=512MB -c effective_cache_size=4GB\" start >/dev/null" \
    || { tail -20 "$base/server.log" >&2; exit 1; }
fi
echo "postgresql://postgres@127.0.0.1:$port"
