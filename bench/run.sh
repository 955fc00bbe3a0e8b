#!/usr/bin/env bash
# Runs the benchmarks in Release: the public pages' cost as a ratio of a static file's, measured
# against the real panel process in the same run, and the memory the panel grows by serving them.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/Panel.Web >/dev/null
dotnet run -c Release --project bench/Panel.Bench
