#!/usr/bin/env bash
# Runs the benchmark suite (bench/README.md): each measure against a baseline in the same run, on
# the real engine with the real Synapse image. Prints a table and writes bench/results/latest.json.
#
#   bench/run.sh                full windows (about 12 minutes)
#   bench/run.sh --quick        short windows: checks that the suite works; the figures are rougher
#   bench/run.sh --only P1,P4   just those measures (the homeserver install always runs)
#
# The panel measured is the one users run: `dotnet publish` output (ReadyToRun, trimmed),
# self-contained so that no page of the runtime is shared with the bench's own .NET process (PSS
# would bill the panel only half of each shared page), with the runtime environment of
# deploy/systemd/homeserver-panel.service.
#
# Needs what tests/run.sh sets up (dockerd, the images, Chromium), plus wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "[bench] installing wrk"; apt-get install -y -qq wrk >/dev/null; }
docker version >/dev/null 2>&1 || { echo "[bench] the Docker engine is not running: run tests/run.sh first, which starts it"; exit 1; }
export PANEL_TEST_SYNAPSE_IMAGE=${PANEL_TEST_SYNAPSE_IMAGE:-homeserver-panel/synapse:latest}
export PANEL_TEST_POSTGRES_IMAGE=${PANEL_TEST_POSTGRES_IMAGE:-homeserver-panel/postgres:latest}
if [ -z "${PANEL_TEST_PANEL_DLL:-}" ]; then
  echo "[bench] publishing the panel"
  rm -rf artifacts/bench/panel
  dotnet publish src/Panel.Web -c Release --use-current-runtime --self-contained -o artifacts/bench/panel -nologo -clp:ErrorsOnly >/dev/null
  export PANEL_TEST_PANEL_DLL="$PWD/artifacts/bench/panel/Panel.Web.dll"
fi
dotnet build -c Release bench/Panel.Bench -nologo -clp:ErrorsOnly >/dev/null
dotnet run -c Release --no-build --project bench/Panel.Bench -- "$@"
