#!/usr/bin/env bash
# Makes sure this machine has a Docker engine that answers, plus debootstrap for the offline base
# image. Safe to run any number of times: when everything is already up it only asks the daemon.
#
# Needs root on a Debian-like host the first time (apt-get, dockerd). CI calls it before the tests.
set -euo pipefail

DOCKERD_LOG="${CODERFLOW_DOCKERD_LOG:-/var/log/coderflow-dockerd.log}"
WAIT_SECONDS="${CODERFLOW_DOCKERD_WAIT:-60}"
SOCKET=/var/run/docker.sock

say() { printf 'ensure-docker: %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }

daemon_answers() {
  # A hung daemon must not hang this script, hence the timeout.
  timeout 10 docker info >/dev/null 2>&1
}

missing=()
command -v docker >/dev/null 2>&1 || missing+=(docker)
command -v dockerd >/dev/null 2>&1 || missing+=(dockerd)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)

if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || fail "missing ${missing[*]} and not root: run as root or install docker.io and debootstrap"
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get: install Docker and debootstrap by hand"
  say "installing docker.io and debootstrap (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io debootstrap >/dev/null
fi

if daemon_answers; then
  exit 0
fi

# A dockerd that is still starting (or whose pid file survived a crash) is only waited for:
# a second daemon on the same data root would fail and muddle the log.
running_pid=""
if [[ -f /var/run/docker.pid ]]; then
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]; then
    running_pid=$pid
  fi
fi

if [[ -z "$running_pid" ]]; then
  [[ $(id -u) == 0 ]] || fail "the Docker daemon does not answer and only root can start it"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  say "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: the daemon must outlive this script and the process group that ran it.
  setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  running_pid=$!
else
  say "dockerd (pid $running_pid) is running but not answering yet; waiting"
fi

for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
  if [[ -S "$SOCKET" ]] && daemon_answers; then
    say "Docker daemon is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  if ! kill -0 "$running_pid" 2>/dev/null; then
    say "dockerd exited; last lines of $DOCKERD_LOG:"
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    fail "dockerd did not stay up"
  fi
  sleep 0.5
done

say "last lines of $DOCKERD_LOG:"
tail -n 20 "$DOCKERD_LOG" >&2 || true
fail "Docker daemon did not answer within ${WAIT_SECONDS}s (socket $SOCKET)"
