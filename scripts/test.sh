#!/usr/bin/env bash
# The one test command (npm test): installs what the suite needs on a fresh Debian 12
# machine (as root), brings up the Docker engine and the cached base image, runs uvu.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)   # test/helpers/tls.ts makes the HTTPS test chain
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v claude >/dev/null 2>&1 && command -v codex >/dev/null 2>&1 && command -v gemini >/dev/null 2>&1 || npm install -g --no-audit --no-fund @anthropic-ai/claude-code @openai/codex @google/gemini-cli   # test/agents/cli-e2e.test.ts runs the real agent CLIs

if [ -x scripts/ensure-docker.sh ]; then scripts/ensure-docker.sh; fi
if [ -x scripts/ensure-base-image.sh ]; then scripts/ensure-base-image.sh; fi

exec npx uvu -r tsx test "${@:-.}" -i helpers -i fixtures
