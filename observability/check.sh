#!/usr/bin/env bash
# Checks the observability code with the real tools: promtool (config, rules, rule unit tests, every
# dashboard query) and a real Prometheus scraping the services npm start runs while traffic flows.
# Installs Debian's `prometheus` package when promtool is missing. Whatever its service unit does, the test
# runs the binary itself on a free loopback port with its own temp storage dir. About 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[observability] %s\n' "$*"; }

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  say "installing Debian's prometheus package (promtool and the server) ..."
  # Another apt run may hold the lock for a while: wait for it rather than fail.
  apt-get update -qq -o DPkg::Lock::Timeout=300
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 prometheus >/dev/null
fi
say "$(prometheus --version 2>&1 | head -1)"

# One file at a time: the scrape test owns the npm start ports while it runs.
say "promtool checks, rule unit tests, dashboards, then a live scrape (test/*.test.ts) ..."
node --test --test-concurrency=1 --test-reporter=spec --test-timeout=600000 observability/test/*.test.ts
