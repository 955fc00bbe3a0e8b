#!/bin/sh
# Entry point of the Synapse image built from Debian packages. It mirrors the "run" mode of the
# official image's start.py, so the panel drives both images the same way: the config lives at
# $SYNAPSE_CONFIG_PATH (default /data/homeserver.yaml) and Synapse runs as UID/GID 991.
set -e
config=${SYNAPSE_CONFIG_PATH:-/data/homeserver.yaml}
uid=${UID:-991}
gid=${GID:-991}
if [ ! -f "$config" ]; then
  echo "Config file '$config' does not exist. Generate it first (the panel writes it before the first start)." >&2
  exit 1
fi
# jemalloc, preloaded as the official image does: it returns freed memory to the system, which
# glibc's allocator keeps, and Synapse's cache autotuning reads its statistics. SYNAPSE_JEMALLOC=0 turns it off.
if [ "${SYNAPSE_JEMALLOC:-1}" != 0 ] && [ -z "${LD_PRELOAD:-}" ]; then
  for lib in /usr/lib/*-linux-gnu/libjemalloc.so.2; do
    if [ -f "$lib" ]; then export LD_PRELOAD="$lib"; fi
  done
fi
if [ "$(id -u)" = 0 ]; then
  # Only the top of the volume: a recursive chown of a large media store would delay every start.
  chown "$uid:$gid" /data
  exec setpriv --reuid="$uid" --regid="$gid" --clear-groups python3 -m synapse.app.homeserver --config-path "$config" "$@"
fi
exec python3 -m synapse.app.homeserver --config-path "$config" "$@"
