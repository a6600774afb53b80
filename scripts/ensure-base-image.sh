#!/usr/bin/env bash
# Makes sure the offline agent base image exists (built once, a cached no-op afterwards).
# Run after scripts/ensure-docker.sh; see scripts/ensure-base-image.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx scripts/ensure-base-image.ts
