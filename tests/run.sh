#!/usr/bin/env bash
# Installs and starts what the tests need (PostgreSQL, the Docker Engine, Chromium, the test images
# built from Debian packages), then runs every test in Panel.sln. It is idempotent: what is installed
# is not installed again, and what runs is not started again.
#
# Ends with one line: "N passed, N failed, N skipped" for the whole run. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOG_DIR="$ROOT/artifacts/run"
mkdir -p "$LOG_DIR"
say() { printf '[run.sh] %s\n' "$*"; }
die() { say "$*"; echo "0 passed, 1 failed"; exit 1; }

# --- the machine: packages, PostgreSQL, dockerd, the test images -----------------------------------
source "$ROOT/scripts/test-machine.sh"
setup_test_machine "$LOG_DIR" || die "$SETUP_ERROR"

# Containers and networks left by an earlier, interrupted run of the tests. Here, not in the shared
# set-up: the bench test runs bench/run.sh while other tests' containers are running.
stale=$(docker ps -aq --filter label=homeserver-panel.test=true)
[ -z "$stale" ] || docker rm -f $stale >/dev/null 2>&1
for n in $(docker network ls -q --filter label=homeserver-panel.test=true); do docker network rm "$n" >/dev/null 2>&1; done
for v in $(docker volume ls -q --filter label=homeserver-panel.test=true); do docker volume rm "$v" >/dev/null 2>&1; done

# --- build and test ---------------------------------------------------------------------------------
say "building"
dotnet build Panel.sln -c Debug -nologo -clp:ErrorsOnly >"$LOG_DIR/build.log" 2>&1 \
  || { tail -n 40 "$LOG_DIR/build.log"; die "the build failed, see $LOG_DIR/build.log"; }
# The bench is not in the solution (its Program would be taken for a test application), but it
# uses the test helpers and the API's types: it must build with every change.
dotnet build bench/Panel.Bench -c Debug -nologo -clp:ErrorsOnly >"$LOG_DIR/build-bench.log" 2>&1 \
  || { tail -n 40 "$LOG_DIR/build-bench.log"; die "the bench does not build, see $LOG_DIR/build-bench.log"; }
# So must the floor app F the bench measures the panel against (bench/Floor).
dotnet build bench/Floor -c Debug -nologo -clp:ErrorsOnly >"$LOG_DIR/build-floor.log" 2>&1 \
  || { tail -n 40 "$LOG_DIR/build-floor.log"; die "the bench's floor app does not build, see $LOG_DIR/build-floor.log"; }

# The tests that start the panel as its own process run what users deploy: the self-contained
# publish (ReadyToRun, trimmed; ADR-006, ADR-007). In-process tests use the Debug build above.
say "publishing the panel as users deploy it"
rm -rf "$ROOT/artifacts/tests/panel"
dotnet publish src/Panel.Web -c Release --use-current-runtime --self-contained -o "$ROOT/artifacts/tests/panel" \
  -nologo -clp:ErrorsOnly >"$LOG_DIR/publish.log" 2>&1 \
  || { tail -n 40 "$LOG_DIR/publish.log"; die "publishing the panel failed, see $LOG_DIR/publish.log"; }
export PANEL_TEST_PANEL_DLL="$ROOT/artifacts/tests/panel/Panel.Web.dll"

say "testing"
rm -rf "$ROOT/artifacts/test-results"
# The data directories of the last run's panels (see TestEnvironment.TempRoot).
rm -rf "${TMPDIR:-/tmp}/homeserver-panel-tests"
dotnet test --solution Panel.sln --no-build -c Debug --results-directory "$ROOT/artifacts/test-results" \
  --report-xunit-trx --max-parallel-test-modules 2 --filter-not-trait "Category=Serial" 2>&1 | tee "$LOG_DIR/test.log"
status=${PIPESTATUS[0]}

# Tests that need the machine to themselves run last and alone: restarting dockerd (nothing else may
# lose its containers meanwhile) and comparing CPU figures (nothing else may compete for the CPUs).
say "testing what needs the machine alone (serially)"
dotnet test --solution Panel.sln --no-build -c Debug --results-directory "$ROOT/artifacts/test-results" \
  --report-xunit-trx --max-parallel-test-modules 1 --filter-trait "Category=Serial" --ignore-exit-code 8 2>&1 | tee "$LOG_DIR/test-serial.log"
serial=${PIPESTATUS[0]}
[ "$serial" = 0 ] || status=$serial

# Totals of the whole run, from the closing summary of each of the two runs above. (Not from the TRX
# files: they are named by the second a module starts, and two modules starting together overwrite
# each other's report.)
passed=0; failed=0; skipped=0
for log in "$LOG_DIR/test.log" "$LOG_DIR/test-serial.log"; do
  count() { grep -E "^[[:space:]]+$1: [0-9]+\$" "$log" | tail -n 1 | grep -o '[0-9]*$' || echo 0; }
  if ! grep -q "Test run summary" "$log"; then
    # No summary: the runner crashed or did not start. Count it as a failure.
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + $(count succeeded))); failed=$((failed + $(count failed))); skipped=$((skipped + $(count skipped)))
done
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
  # The runner failed without a failed test (a crash, a build problem): count it as a failure.
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" = 0 ] && [ "$failed" = 0 ]
