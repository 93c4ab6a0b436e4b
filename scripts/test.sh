#!/usr/bin/env bash
# npm test: set up what the suites need (npm dependencies, Prisma client, Debian chromium), then run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser --postgres
exec node --import tsx scripts/run-tests.ts
