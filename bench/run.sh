#!/usr/bin/env bash
# Runs the benchmark suite (bench/README.md): each measure against a baseline in the same run, on
# the real engine with the real Synapse image. Prints a table and writes bench/results/latest.json.
#
#   bench/run.sh            full windows (about 5 minutes)
#   bench/run.sh --quick    short windows: checks that the suite works; the figures are rougher
#
# Needs what tests/run.sh sets up (dockerd, the images, Chromium), plus wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "[bench] installing wrk"; apt-get install -y -qq wrk >/dev/null; }
docker version >/dev/null 2>&1 || { echo "[bench] the Docker engine is not running: run tests/run.sh first, which starts it"; exit 1; }
export PANEL_TEST_SYNAPSE_IMAGE=${PANEL_TEST_SYNAPSE_IMAGE:-homeserver-panel/synapse:latest}
export PANEL_TEST_POSTGRES_IMAGE=${PANEL_TEST_POSTGRES_IMAGE:-homeserver-panel/postgres:latest}
dotnet build -c Release src/Panel.Web -nologo -clp:ErrorsOnly >/dev/null
dotnet run -c Release --project bench/Panel.Bench -- "$@"
