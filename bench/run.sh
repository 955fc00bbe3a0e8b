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
# Sets up what it needs on a fresh machine, as tests/run.sh does (scripts/test-machine.sh: the
# engine, PostgreSQL, Chromium, the images), plus wrk.
#
# Exit status: 0 when every measure is within its budget; 1 when the suite ran and at least one
# budget was missed (the figures are in bench/results/latest.json and the table says which); 2 when
# the suite itself could not run (set-up, build or a measure failed), with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOG_DIR="$ROOT/artifacts/bench-run"
mkdir -p "$LOG_DIR"
cannot_run() { echo "[bench] the suite could not run: $*" >&2; exit 2; }

source "$ROOT/scripts/test-machine.sh"
setup_test_machine "$LOG_DIR" wrk || cannot_run "$SETUP_ERROR"

if [ -z "${PANEL_TEST_PANEL_DLL:-}" ]; then
  echo "[bench] publishing the panel"
  rm -rf artifacts/bench/panel
  dotnet publish src/Panel.Web -c Release --use-current-runtime --self-contained -o artifacts/bench/panel -nologo -clp:ErrorsOnly >"$LOG_DIR/publish.log" 2>&1 \
    || cannot_run "publishing the panel failed, see $LOG_DIR/publish.log"
  export PANEL_TEST_PANEL_DLL="$PWD/artifacts/bench/panel/Panel.Web.dll"
fi
# F, the floor app P1f measures the panel against (bench/Floor), is published the same way, when
# P1 is measured (all of them, or --only with P1).
wants_floor=1
previous=""
for a in "$@"; do
  if [ "$previous" = "--only" ]; then
    case ",${a^^}," in *,P1,*) ;; *) wants_floor=0 ;; esac
  fi
  previous=$a
done
if [ -z "${PANEL_BENCH_FLOOR_DLL:-}" ] && [ "$wants_floor" = 1 ]; then
  echo "[bench] publishing the floor app F"
  rm -rf artifacts/bench/floor
  dotnet publish bench/Floor -c Release --use-current-runtime --self-contained -o artifacts/bench/floor -nologo -clp:ErrorsOnly >"$LOG_DIR/publish-floor.log" 2>&1 \
    || cannot_run "publishing the floor app failed, see $LOG_DIR/publish-floor.log"
  export PANEL_BENCH_FLOOR_DLL="$PWD/artifacts/bench/floor/Floor.dll"
fi
# PANEL_BENCH_BUILT=Debug runs the Debug build tests/run.sh has just made, instead of building the
# bench in Release: its test of this script's exit codes takes no figure, and a Release build of
# the whole solution was minutes of the suite.
config=Release
if [ -n "${PANEL_BENCH_BUILT:-}" ]; then
  config=$PANEL_BENCH_BUILT
  [ -f "bench/Panel.Bench/bin/$config/net10.0/Panel.Bench.dll" ] || cannot_run "PANEL_BENCH_BUILT=$config, but there is no $config build of the bench"
else
  dotnet build -c Release bench/Panel.Bench -nologo -clp:ErrorsOnly >"$LOG_DIR/build.log" 2>&1 \
    || cannot_run "building the bench failed, see $LOG_DIR/build.log"
fi
# The bench itself exits 0, 1 (a missed budget) or 2 (a measure could not be taken).
dotnet run -c "$config" --no-build --project bench/Panel.Bench -- "$@"
status=$?
case "$status" in
  0|1|2) exit "$status" ;;
  *) cannot_run "the bench process ended with status $status" ;;
esac
