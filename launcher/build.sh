#!/usr/bin/env bash
# Builds the flavor launcher: static, CGO-free, stripped, for one platform, the host, or all six.
#   build.sh [--platform OS_ARCH|all|host] [--out DIR] [--version V]
# Output: DIR/flavor-launcher-<os>_<arch>[.exe] (default DIR: ../dist/launchers relative to launcher/).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
platform="host"
out="$here/../dist/launchers"
version="${FLAVOR_LAUNCHER_VERSION:-}"

usage() {
  sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --platform) platform="${2:?--platform needs a value}"; shift 2 ;;
    --platform=*) platform="${1#*=}"; shift ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    -h|--help) usage 0 ;;
    *) echo "build.sh: error: unknown argument $1" >&2; usage 2 ;;
  esac
done

if [[ -z "$version" ]]; then
  version="$(node -p "require('$here/../package.json').version" 2>/dev/null || echo 0.0.0-dev)"
fi

all=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64)
case "$platform" in
  all) targets=("${all[@]}") ;;
  host) targets=("$(go env GOOS)_$(go env GOARCH)") ;;
  *_*) targets=("$platform") ;;
  *) echo "build.sh: error: --platform must be OS_ARCH, all or host (got $platform)" >&2; exit 2 ;;
esac

mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$here"
for t in "${targets[@]}"; do
  goos="${t%_*}"
  goarch="${t#*_}"
  ext=""
  [[ "$goos" == windows ]] && ext=".exe"
  dest="$out/flavor-launcher-${goos}_${goarch}${ext}"
  CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" \
    go build -trimpath -ldflags "-s -w -X main.versionStamp=flavor-launcher-version=$version;" -o "$dest" .
  size="$(wc -c < "$dest" | tr -d ' ')"
  echo "$dest $size"
done
