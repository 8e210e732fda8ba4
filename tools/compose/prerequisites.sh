#!/usr/bin/env bash
# What the compose checks need besides Node (called by .ci/run before npm test; idempotent, a few seconds
# when everything is there): psql, which tools/test/compose-run.test.ts runs create-databases.sh with
# (Debian's postgresql-client), and Go 1.24+, which builds tools/compose/config (compose-go) for
# tools/test/compose.test.ts; the build itself fetches compose-go from the Go module proxy once.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[compose] %s\n' "$*"; }

if ! command -v psql >/dev/null && ! ls /usr/lib/postgresql/*/bin/psql >/dev/null 2>&1; then
  say "installing Debian's postgresql-client (psql) ..."
  apt-get update -qq -o DPkg::Lock::Timeout=300
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 postgresql-client >/dev/null
fi
psql_bin="$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)"
say "$("$psql_bin" --version)"

[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && export PATH="/usr/local/go/bin:$PATH"
if ! command -v go >/dev/null; then
  say "go is not on the PATH: install Go 1.24 or newer (the machine's is /usr/local/go/bin/go)."
  exit 1
fi
say "$(go version); building tools/compose/config (compose-go v2.16.2) ..."
(cd tools/compose/config && GOFLAGS=-mod=readonly go build -o ../../../.cache/compose-config/compose-config .)
say "ready"
