#!/usr/bin/env bash
# finish.sh <runtime tree> <X.Y>: the Python 3.11 step after runtime-recipe/finish.sh (docs/runtime.md,
# "Versions"). 3.11's setup.py keeps an extension module that fails its import check in lib-dynload as
# <module>.<suffix>_failed.so (the zig build of 3.11.2 leaves _crypt's): such a file is never imported,
# so it is removed, and named in the build log.
set -euo pipefail
OUT="$1" V="$2"
dynload="$OUT/lib/python$V/lib-dynload"
[ -d "$dynload" ] || { echo "finish: no $dynload" >&2; exit 1; }
find "$dynload" -maxdepth 1 -name '*_failed*.so' -print -delete | while read -r f; do
  echo "flavor-runtime: removed $(basename "$f") (it failed its import check in the build)" >&2
done
