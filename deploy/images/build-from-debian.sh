#!/usr/bin/env bash
# Builds the container images the panel runs (Synapse, PostgreSQL, the echo test bridge) from Debian
# packages, for hosts that cannot reach an image registry. It uses debootstrap and `docker import`,
# so it needs no registry at all: only Debian's package mirror.
#
# Usage: deploy/images/build-from-debian.sh [synapse] [postgres] [echo-bridge] [caddy] [redis] [panel-base] [test-variants]
#        (no argument builds synapse, postgres, echo-bridge and caddy)
#
# What it builds is cached: the bootstrapped roots under $CACHE_DIR, and the images themselves in
# the local Docker engine. A second run with everything present does nothing.
set -euo pipefail

CACHE_DIR=${HOMESERVER_PANEL_IMAGE_CACHE:-/var/cache/homeserver-panel/images}
SUITE=${DEBIAN_SUITE:-sid}
PREFIX=${IMAGE_PREFIX:-homeserver-panel}
HERE=$(cd "$(dirname "$0")" && pwd)

log() { printf '[images] %s\n' "$*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

in_root() {
  local root=$1; shift
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 sh -c "$*"
}

# One minimal Debian root, bootstrapped once and reused by every image.
base_root() {
  local tarball="$CACHE_DIR/base-$SUITE.tar"
  if [ ! -s "$tarball" ]; then
    need debootstrap debootstrap
    local root; root=$(mktemp -d)
    log "bootstrapping Debian $SUITE (minbase); this takes a minute"
    debootstrap --variant=minbase "$SUITE" "$root" >"$CACHE_DIR/debootstrap.log" 2>&1 \
      || { log "debootstrap failed, see $CACHE_DIR/debootstrap.log"; exit 1; }
    # The unstable suite's Release file served here can be expired: accept it.
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99no-check-valid-until"
    in_root "$root" 'apt-get update -qq'
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  echo "$tarball"
}

# Unpacks the base root, installs packages into it, and keeps the result as a cached tarball.
package_root() {
  # Keyed by the package list too: adding a package builds a new root instead of reusing the old one.
  local name=$1 packages=$2
  local tarball; tarball="$CACHE_DIR/$1-$SUITE-$(printf '%s' "$packages" | sha256sum | cut -c1-8).tar"
  if [ ! -s "$tarball" ]; then
    local base root; base=$(base_root); root=$(mktemp -d)
    tar -C "$root" -xf "$base"
    log "installing $packages into the $name root"
    # Maintainer scripts want /proc and /dev, must not start services, and PostgreSQL's must not
    # create a cluster: the image's entry point creates one in the volume on first start.
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
    mkdir -p "$root/etc/postgresql-common" && echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.conf"
    local ok=0
    in_root "$root" "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*" >"$CACHE_DIR/$name-install.log" 2>&1 || ok=$?
    umount "$root/dev" "$root/proc" 2>/dev/null || true
    rm -f "$root/usr/sbin/policy-rc.d"
    if [ "$ok" != 0 ]; then log "package install failed for $name, see $CACHE_DIR/$name-install.log"; rm -rf "$root"; exit 1; fi
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  echo "$tarball"
}

# Adds files from deploy/images/<name>/ on top of a cached root and imports it as an image.
import_image() {
  local tag=$1 tarball=$2 overlay=$3; shift 3
  local root; root=$(mktemp -d)
  tar -C "$root" -xf "$tarball"
  if [ -d "$overlay" ]; then cp -a "$overlay/." "$root/"; fi
  local changes=(-c 'ENV LANG=C.UTF-8' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  for c in "$@"; do changes+=(-c "$c"); done
  tar -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$root"
  log "built $tag"
}

pkg_version() { # upstream part of an installed package's version inside a cached root
  # awk reads to the end (no early exit), so tar never dies of SIGPIPE under pipefail.
  tar -xOf "$1" ./var/lib/dpkg/status | awk -v p="$2" '$1=="Package:"{f=($2==p)} f&&$1=="Version:"&&!v{v=$2} END{print v}' | sed -E 's/^[0-9]+://; s/[-+~].*$//'
}

build_synapse() {
  # libjemalloc2: start.sh preloads it, as the official image does (Synapse's cache autotuning needs it).
  # python3-hiredis and txredisapi.py (ours, in the overlay; Debian has no txredisapi): Synapse needs both for Redis, which workers replicate through.
  local packages="matrix-synapse python3-psycopg2 python3-hiredis ca-certificates libjemalloc2"
  local root; root=$(package_root synapse "$packages")
  local version; version=$(pkg_version "$root" matrix-synapse)
  local tag="$PREFIX/synapse:$version"
  # Rebuilt under the same tag when its packages or its files change (the tag is Synapse's version).
  local hash; hash=$( (printf '%s' "$packages"; cd "$HERE/synapse" && find . -type f -print0 | sort -z | xargs -0 cat) | sha256sum | cut -c1-16)
  if docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" 2>/dev/null | grep -qx "SYNAPSE_IMAGE_SOURCE=$hash"; then
    log "$tag is present"
  else
    import_image "$tag" "$root" "$HERE/synapse" \
      'ENTRYPOINT ["/start.sh"]' 'EXPOSE 8008' 'VOLUME /data' 'WORKDIR /data' "ENV SYNAPSE_IMAGE_SOURCE=$hash"
  fi
  docker tag "$tag" "$PREFIX/synapse:latest"
  echo "$tag"
}

build_postgres() {
  local root; root=$(package_root postgres "postgresql locales")
  local version; version=$(pkg_version "$root" postgresql)
  local tag="$PREFIX/postgres:$version"
  if image_exists "$tag"; then log "$tag is present"; else
    import_image "$tag" "$root" "$HERE/postgres" \
      'ENTRYPOINT ["/docker-entrypoint.sh"]' 'CMD ["postgres"]' 'EXPOSE 5432' \
      'VOLUME /var/lib/postgresql/data' 'ENV PGDATA=/var/lib/postgresql/data'
  fi
  docker tag "$tag" "$PREFIX/postgres:latest"
  echo "$tag"
}

build_echo_bridge() {
  local root; root=$(package_root echo-bridge "python3-mautrix python3-aiohttp python3-yaml ca-certificates")
  local tag="$PREFIX/echo-bridge:$(cat "$HERE/echo-bridge/VERSION")"
  # The bridge's code changes with the project while the catalog pins one tag: the image carries the
  # hash of its sources, and a different hash rebuilds it under the same tag.
  local hash; hash=$(cd "$HERE/echo-bridge" && find rootfs -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  if docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" 2>/dev/null | grep -qx "ECHO_BRIDGE_SOURCE=$hash"; then
    log "$tag is present"
  else
    import_image "$tag" "$root" "$HERE/echo-bridge/rootfs" \
      'ENTRYPOINT ["python3", "/opt/echo-bridge/echo_bridge.py"]' 'EXPOSE 29999' 'VOLUME /data' 'WORKDIR /data' \
      "ENV ECHO_BRIDGE_SOURCE=$hash"
  fi
  docker tag "$tag" "$PREFIX/echo-bridge:latest"
  echo "$tag"
}

# Caddy, the reverse proxy the panel can run in front of Synapse (TLS, federation and client routes,
# .well-known). The panel writes /etc/caddy/Caddyfile and its certificates into the container before
# starting it; certificates Caddy obtains itself (ACME) live in the /data volume.
build_caddy() {
  local root; root=$(package_root caddy "caddy ca-certificates")
  local version; version=$(pkg_version "$root" caddy)
  local tag="$PREFIX/caddy:$version"
  if image_exists "$tag"; then log "$tag is present"; else
    import_image "$tag" "$root" "$HERE/caddy" \
      'ENTRYPOINT ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]' \
      'EXPOSE 80' 'EXPOSE 443' 'VOLUME /data' 'ENV XDG_DATA_HOME=/data' 'ENV XDG_CONFIG_HOME=/config'
  fi
  docker tag "$tag" "$PREFIX/caddy:latest"
  echo "$tag"
}

# Redis, which Synapse's workers replicate through (worker mode). No persistence: it carries only
# replication traffic, which the processes rebuild on a restart.
build_redis() {
  local root; root=$(package_root redis "redis-server")
  local version; version=$(pkg_version "$root" redis-server)
  local tag="$PREFIX/redis:$version"
  if image_exists "$tag"; then log "$tag is present"; else
    import_image "$tag" "$root" "$HERE/redis" \
      'ENTRYPOINT ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]' 'EXPOSE 6379'
  fi
  docker tag "$tag" "$PREFIX/redis:latest"
  echo "$tag"
}

# A base for the panel's own image (deploy/Dockerfile) on a host that cannot pull the official .NET
# images: what a self-contained .NET app needs from the system (ICU, TLS roots, time zones). The
# panel is then published self-contained and copied in; see deploy/README.md.
build_panel_base() {
  # ICU's package is named by its soname (libicu72, libicu76...): ask the suite's own index.
  local root; root=$(package_root panel-base 'ca-certificates tzdata $(apt-cache pkgnames libicu | grep -xE "libicu[0-9]+" | sort -V | tail -n 1)')
  local tag="$PREFIX/panel-base:$SUITE"
  if image_exists "$tag"; then log "$tag is present"; else
    import_image "$tag" "$root" "$HERE/panel-base"
  fi
  echo "$tag"
}

# Extra tags the test suite needs, for Synapse and the echo bridge: a second tag of the same image
# (an "upgrade"), and a broken one whose command fails (to prove that an upgrade rolls back).
build_test_variants() {
  local synapse; synapse=$(build_synapse)
  test_variants "$synapse" synapse
  # Synapse with neither entry point nor command, like a plain 'docker import' of a root: the panel
  # must start Synapse's module itself (the engine refuses such a container otherwise).
  derived_variant "$synapse" synapse noentry 'ENTRYPOINT []\nCMD []\n'
  local echo_bridge; echo_bridge=$(build_echo_bridge)
  test_variants "$echo_bridge" echo-bridge
}

test_variants() {
  local base=$1 name=$2
  docker tag "$base" "$PREFIX/$name:next"
  derived_variant "$base" "$name" broken 'ENTRYPOINT ["/bin/sh", "-c", "echo this image is broken on purpose >&2; exit 3"]\n'
}

# An image that differs from its base only by the given Dockerfile lines; rebuilt when its base changed.
derived_variant() {
  local base=$1 name=$2 tag=$3 lines=$4
  if [ "$(docker image inspect -f '{{index .Config.Labels "test-variant-of"}}' "$PREFIX/$name:$tag" 2>/dev/null)" != "$(docker image inspect -f '{{.Id}}' "$base")" ]; then
    local ctx; ctx=$(mktemp -d)
    printf "FROM %s\nLABEL test-variant-of=%s\n$lines" "$base" "$(docker image inspect -f '{{.Id}}' "$base")" >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t "$PREFIX/$name:$tag" "$ctx" >/dev/null
    rm -rf "$ctx"
    # The variant it replaces is left untagged: remove it rather than let them pile up.
    docker image prune -f --filter "label=test-variant-of" >/dev/null
    log "built $PREFIX/$name:$tag"
  fi
}

main() {
  [ "$(id -u)" = 0 ] || { log "run as root (debootstrap and chroot need it)"; exit 1; }
  docker version >/dev/null 2>&1 || { log "the Docker engine is not reachable"; exit 1; }
  mkdir -p "$CACHE_DIR"
  local targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=(synapse postgres echo-bridge caddy)
  for t in "${targets[@]}"; do
    case "$t" in
      synapse) build_synapse ;;
      postgres) build_postgres ;;
      echo-bridge) build_echo_bridge ;;
      caddy) build_caddy ;;
      redis) build_redis ;;
      panel-base) build_panel_base ;;
      test-variants) build_test_variants ;;
      *) log "unknown image '$t' (synapse, postgres, echo-bridge, caddy, redis, panel-base, test-variants)"; exit 2 ;;
    esac
  done
}

main "$@"
