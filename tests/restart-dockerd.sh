#!/usr/bin/env bash
# Restarts the Docker daemon the way tests/run.sh started it, for the tests that prove the panel
# survives it. Only the serial "DockerRestart" phase of tests/run.sh runs those tests.
set -euo pipefail
LOG_DIR="$(cd "$(dirname "$0")/.." && pwd)/artifacts/run"
mkdir -p "$LOG_DIR"
pkill -TERM -x dockerd || true
for _ in $(seq 1 60); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done
pgrep -x dockerd >/dev/null && pkill -KILL -x dockerd || true
sleep "${1:-2}"
(setsid dockerd >>"$LOG_DIR/dockerd.log" 2>&1 &)
for _ in $(seq 1 120); do docker version >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "dockerd did not come back" >&2
exit 1
