#!/usr/bin/env bash
# Old-userland roots for the glibc tests (test/helpers/old-userland.ts): a Debian 11 "bullseye" root for
# linux_amd64 (glibc 2.31, run with chroot) and a foreign-stage bullseye root for linux_arm64 (its glibc is
# used by qemu-aarch64-static -L <root>; the second stage needs binfmt and is not run). Built once into
# .cache/userland/ and reused: a root is complete when its ".complete" stamp exists.
# Needs root, debootstrap and (for arm64 runs) qemu-user-static; .ci/run installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
mirror="${FLAVOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bullseye
base=.cache/userland

build_root() { # <arch> <dir> [extra debootstrap flags]
  local arch="$1" dir="$2"
  shift 2
  # A test run that was killed may have left /proc mounted in the root (test/helpers/old-userland.ts).
  # The foreign (arm64) root's proc is a symlink to the host's /proc: never follow it.
  if [ -d "$dir/proc" ] && [ ! -L "$dir/proc" ] && mountpoint -q "$dir/proc"; then umount "$dir/proc"; fi
  if [ -f "$dir/.complete" ]; then
    echo "setup-old-userland: $dir is ready"
    return
  fi
  rm -rf --one-file-system "$dir" "$dir.tmp"
  local start=$(date +%s)
  debootstrap --arch "$arch" --variant=minbase "$@" "$suite" "$dir.tmp" "$mirror" >"$base/$arch.log" 2>&1 || {
    echo "setup-old-userland: debootstrap $arch failed; last lines of $base/$arch.log:" >&2
    tail -20 "$base/$arch.log" >&2
    exit 1
  }
  mv "$dir.tmp" "$dir"
  touch "$dir/.complete"
  echo "setup-old-userland: $dir built in $(($(date +%s) - start))s"
}

if [ "$(id -u)" != 0 ]; then
  echo "setup-old-userland: needs root (debootstrap, chroot); skipped" >&2
  exit 0
fi
command -v debootstrap >/dev/null || { echo "setup-old-userland: debootstrap is required (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$base"
build_root amd64 "$base/$suite-amd64"
build_root arm64 "$base/$suite-arm64" --foreign
