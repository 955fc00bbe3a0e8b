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

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

# --- packages -----------------------------------------------------------------------------------
missing=()
# gnupg: the backup tests check that gpg opens what the panel encrypts. docker-compose: the deploy
# tests validate deploy/compose.yaml with it.
for pkg in postgresql docker.io docker-compose chromium debootstrap gnupg; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq >"$LOG_DIR/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
    || die "apt-get install failed, see $LOG_DIR/apt.log"
fi
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"

# --- PostgreSQL -----------------------------------------------------------------------------------
PG_VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  say "creating the PostgreSQL $PG_VERSION cluster"
  $SUDO pg_createcluster "$PG_VERSION" main >/dev/null
fi
if ! pg_lsclusters -h | awk '$4=="online"' | grep -q .; then
  say "starting PostgreSQL"
  $SUDO pg_ctlcluster "$PG_VERSION" main start || die "PostgreSQL did not start"
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
pg_isready -q -h 127.0.0.1 || die "PostgreSQL is not accepting connections on 127.0.0.1"
as_postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='panel_test'" 2>/dev/null | grep -q 1 \
  || as_postgres psql -qc "CREATE ROLE panel_test LOGIN CREATEDB PASSWORD 'panel_test'" >/dev/null \
  || die "could not create the panel_test role"
export PANEL_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Username=panel_test;Password=panel_test;Database=postgres"

# --- Docker Engine ----------------------------------------------------------------------------------
if ! docker version >/dev/null 2>&1; then
  say "starting dockerd"
  (setsid dockerd >"$LOG_DIR/dockerd.log" 2>&1 &)
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
  docker version >/dev/null 2>&1 || die "dockerd did not start, see $LOG_DIR/dockerd.log"
fi
export PANEL_TEST_DOCKER="unix:///var/run/docker.sock"

# Containers and networks left by an earlier, interrupted run of the tests.
stale=$(docker ps -aq --filter label=homeserver-panel.test=true)
[ -z "$stale" ] || docker rm -f $stale >/dev/null 2>&1
for n in $(docker network ls -q --filter label=homeserver-panel.test=true); do docker network rm "$n" >/dev/null 2>&1; done
for v in $(docker volume ls -q --filter label=homeserver-panel.test=true); do docker volume rm "$v" >/dev/null 2>&1; done

# --- images -----------------------------------------------------------------------------------------
say "making sure the test images exist (cached after the first run)"
deploy/images/build-from-debian.sh synapse postgres echo-bridge panel-base test-variants >"$LOG_DIR/images.log" 2>&1 \
  || die "building the images failed, see $LOG_DIR/images.log"
export PANEL_TEST_SYNAPSE_IMAGE="homeserver-panel/synapse:latest"
export PANEL_TEST_POSTGRES_IMAGE="homeserver-panel/postgres:latest"
export PANEL_TEST_ECHO_IMAGE="homeserver-panel/echo-bridge:latest"
export PANEL_TEST_PANEL_BASE_IMAGE="homeserver-panel/panel-base:sid"
export PANEL_TEST_CHROMIUM="/usr/bin/chromium"

# --- build and test ---------------------------------------------------------------------------------
say "building"
dotnet build Panel.sln -c Debug -nologo -clp:ErrorsOnly >"$LOG_DIR/build.log" 2>&1 \
  || { tail -n 40 "$LOG_DIR/build.log"; die "the build failed, see $LOG_DIR/build.log"; }

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
