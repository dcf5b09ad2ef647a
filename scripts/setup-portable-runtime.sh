#!/usr/bin/env bash
# The portable runtime (docs/runtime.md) for the tests: the apt set-up its sources need (deb-src entries
# for bookworm — the libraries — and trixie — CPython 3.13 —, signed by Debian's archive key like the
# existing entries), the host tools of the recipe, then `flavor runtime build` for linux_amd64 and
# linux_arm64, and the Debian 11 roots the tests run them in. A runtime already in the build cache (same version, target and recipe hash) is reused.
# Needs root and apt (Debian/Ubuntu); elsewhere it says so and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-portable-runtime: needs root and apt-get (Debian/Ubuntu); skipped" >&2
  exit 0
fi
sources=/etc/apt/sources.list.d/flavor-runtime-src.sources
cat >"$sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# tcl: SQLite generates its amalgamation with tclsh; gpgv: upstream signatures; make, gcc: host tools;
# qemu-user-static + debootstrap: the arm64 runtime runs in tests under qemu with a Debian 11 arm64 root.
apt-get install -y -qq --no-install-recommends tcl gpgv make gcc xz-utils bzip2 qemu-user-static debootstrap >/dev/null
bash scripts/setup-old-userland.sh
# The tests and CI find the runtimes here (scripts/test.sh and test/helpers/cli.ts use the same default).
export FLAVOR_RUNTIME_CACHE="${FLAVOR_RUNTIME_CACHE:-$PWD/.cache/portable-runtimes}"
for platform in linux_amd64 linux_arm64; do
  start=$(date +%s)
  node bin/flavor.js runtime build --python 3.13 --platform "$platform"
  echo "setup-portable-runtime: $platform ready in $(($(date +%s) - start))s"
done
