#!/usr/bin/env bash
# The project's test command (README: `npm test`): TypeScript tests, Go launcher tests, vector check.
# Ends with one line "tests: N passed, N failed" summing all runners; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
# The portable runtimes scripts/setup-portable-runtime.sh built (docs/runtime.md): every pack of the tests
# takes them from here instead of building them again into each test's own build cache.
export FLAVOR_RUNTIME_CACHE="${FLAVOR_RUNTIME_CACHE:-$PWD/.cache/portable-runtimes}"
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
status=0

echo "== vectors: regenerate and compare"
npx tsx scripts/vectors/run-all.ts --check || status=1

echo "== go: launcher tests"
if command -v go >/dev/null 2>&1; then
  # go vet also for Windows: the _windows.go files compile only there (they run under wine: test/e2e/wine.test.ts).
  (cd launcher && go vet ./... && GOOS=windows GOARCH=amd64 go vet ./... &&
    go test -count=1 -json ./... >"$log_dir/go.json" 2>"$log_dir/go.err")
  go_status=$?
  node scripts/go-test-summary.mjs "$log_dir/go.json" || true
  [ -s "$log_dir/go.err" ] && cat "$log_dir/go.err"
  [ "$go_status" -eq 0 ] || status=1
else
  echo "go: not installed; launcher tests skipped" >&2
  status=1
fi

echo "== typescript: node --test"
mapfile -t files < <(find test -name '*.test.ts' | sort)
node --import tsx --test --test-concurrency=2 --test-reporter=tap "${files[@]}" | tee "$log_dir/node.tap"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

node scripts/test-summary.mjs "$log_dir/node.tap" "$log_dir/go.json"
exit "$status"
