#!/bin/sh
# Entry point of the PostgreSQL image built from Debian packages. It follows the conventions of the
# official postgres image (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, POSTGRES_INITDB_ARGS,
# PGDATA), so the panel drives both images the same way.
set -e
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
export PATH="$pgbin:$PATH"
export PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [ "$1" = postgres ]; then
  mkdir -p "$PGDATA" /run/postgresql
  chown postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ]; then
      echo "POSTGRES_PASSWORD must be set for a new database" >&2
      exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    chown postgres "$pwfile"
    # shellcheck disable=SC2086 # the arguments are meant to be split, as in the official image
    runuser -u postgres -- initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 $POSTGRES_INITDB_ARGS
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    if [ "$db" != postgres ]; then
      runuser -u postgres -- pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
      runuser -u postgres -- psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -q \
        -c "CREATE DATABASE \"$db\""
      runuser -u postgres -- pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    fi
    echo "database initialised" >&2
  fi
  exec runuser -u postgres -- "$@"
fi
exec "$@"
