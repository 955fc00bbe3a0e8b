#!/usr/bin/env bash
# Sets up what the tests and the benchmarks need on this machine, installing and starting only what
# is missing: PostgreSQL (with the panel_test role), the Docker Engine (dockerd), Chromium, and the
# test images built from Debian packages. Sourced by tests/run.sh and bench/run.sh:
#
#   source scripts/test-machine.sh
#   setup_test_machine LOG_DIR [extra packages...] || { echo "$SETUP_ERROR"; exit 1; }
#
# On success it exports the PANEL_TEST_* variables the test fixtures read.

setup_test_machine() {
  local LOG_DIR=$1; shift
  local extra=("$@")
  SETUP_ERROR=""
  setup_fail() { SETUP_ERROR="$*"; return 1; }
  setup_say() { printf '[setup] %s\n' "$*"; }
  local missing PG_VERSION
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

  # --- packages -----------------------------------------------------------------------------------
  missing=()
  # gnupg: the backup tests check that gpg opens what the panel encrypts. docker-compose: the deploy
  # tests validate deploy/compose.yaml with it.
  for pkg in postgresql docker.io docker-compose chromium debootstrap gnupg "${extra[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    setup_say "installing ${missing[*]}"
    $SUDO apt-get update -qq >"$LOG_DIR/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
      || { setup_fail "apt-get install failed, see $LOG_DIR/apt.log"; return 1; }
  fi
  command -v dotnet >/dev/null || { setup_fail "the .NET SDK (dotnet) is not on PATH"; return 1; }

  # --- PostgreSQL -----------------------------------------------------------------------------------
  PG_VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    setup_say "creating the PostgreSQL $PG_VERSION cluster"
    $SUDO pg_createcluster "$PG_VERSION" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk '$4=="online"' | grep -q .; then
    setup_say "starting PostgreSQL"
    $SUDO pg_ctlcluster "$PG_VERSION" main start || { setup_fail "PostgreSQL did not start"; return 1; }
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 || { setup_fail "PostgreSQL is not accepting connections on 127.0.0.1"; return 1; }
  as_postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='panel_test'" 2>/dev/null | grep -q 1 \
    || as_postgres psql -qc "CREATE ROLE panel_test LOGIN CREATEDB PASSWORD 'panel_test'" >/dev/null \
    || { setup_fail "could not create the panel_test role"; return 1; }
  export PANEL_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Username=panel_test;Password=panel_test;Database=postgres"

  # --- Docker Engine ----------------------------------------------------------------------------------
  if ! docker version >/dev/null 2>&1; then
    setup_say "starting dockerd"
    (setsid dockerd >"$LOG_DIR/dockerd.log" 2>&1 &)
    for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
    docker version >/dev/null 2>&1 || { setup_fail "dockerd did not start, see $LOG_DIR/dockerd.log"; return 1; }
  fi
  export PANEL_TEST_DOCKER="unix:///var/run/docker.sock"

  # --- images -----------------------------------------------------------------------------------------
  setup_say "making sure the test images exist (cached after the first run)"
  deploy/images/build-from-debian.sh synapse postgres echo-bridge caddy redis panel-base test-variants >"$LOG_DIR/images.log" 2>&1 \
    || { setup_fail "building the images failed, see $LOG_DIR/images.log"; return 1; }
  export PANEL_TEST_SYNAPSE_IMAGE="${PANEL_TEST_SYNAPSE_IMAGE:-homeserver-panel/synapse:latest}"
  export PANEL_TEST_POSTGRES_IMAGE="homeserver-panel/postgres:latest"
  export PANEL_TEST_ECHO_IMAGE="homeserver-panel/echo-bridge:latest"
  export PANEL_TEST_PANEL_BASE_IMAGE="homeserver-panel/panel-base:sid"
  export PANEL_TEST_CHROMIUM="/usr/bin/chromium"
  return 0
}
