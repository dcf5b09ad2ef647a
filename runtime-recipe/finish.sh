#!/usr/bin/env bash
# finish.sh <work> <out> <X.Y> [build python]: from CPython's `make install` tree to the runtime tree: the
# interpreter, the standard library without what no app needs at run time (tests, the static
# libpython, IDLE/Tk), build paths rewritten, and the licences of everything linked in.
set -euo pipefail
W="$1" OUT="$2" V="$3" BP="${4:-}"
I="$W/install/python"
rm -rf "$I/lib/python$V/test" "$I/lib/python$V/idlelib" "$I/lib/python$V/tkinter" "$I/lib/python$V/turtledemo" \
  "$I/lib/pkgconfig" "$I/share/man" "$I/bin/idle3"* "$I/bin/pydoc3"* "$I/bin/2to3"*
find "$I/lib/python$V" -name '__pycache__' -prune -exec rm -rf {} +
# The static libpython and objects only serve embedding/extension builds against this tree.
find "$I/lib/python$V" -path '*/config-*' \( -name '*.a' -o -name '*.o' \) -delete
# Text files recording the build (sysconfigdata, Makefile, python-config) name the scratch folder:
# rewrite it to a fixed path so that the output does not depend on where it was built. Binary files
# are never edited (-I): a string of another length would corrupt them; they must not name it at all.
grep -rlIF "$W" "$I" | while read -r f; do sed -i "s#$W#/flavor-build#g" "$f"; done
# A cross build also records the build machine's Python (PYTHON_FOR_BUILD in the config Makefile).
if [ -n "$BP" ]; then
  grep -rlIF "$BP" "$I" | while read -r f; do sed -i "s#$BP#/flavor-build/build-python#g" "$f"; done
fi
mkdir -p "$I/share/licenses"
lic() { mkdir -p "$I/share/licenses/$1"; cp "$W/src/$2/$3" "$I/share/licenses/$1/${4:-$(basename "$3")}"; }
lic cpython cpython LICENSE
lic openssl openssl LICENSE.txt
lic libffi libffi LICENSE
lic zlib zlib LICENSE 2>/dev/null || lic zlib zlib README
lic bzip2 bzip2 LICENSE
lic xz xz COPYING
lic sqlite sqlite LICENSE.md 2>/dev/null || echo "SQLite is in the public domain (https://sqlite.org/copyright.html)." >"$I/share/licenses/sqlite/PUBLIC-DOMAIN"
lic libuuid util-linux Documentation/licenses/COPYING.BSD-3-Clause
# libmpdec (bundled in CPython) carries its licence (BSD-2-Clause) only as the comment opening each source
# file: that comment, without its comment markers, is its licence file.
mkdir -p "$I/share/licenses/mpdecimal"
sed -n '1,/\*\//p' "$W/src/cpython/Modules/_decimal/libmpdec/mpdecimal.h" | sed -e '1d;$d' -e 's/^ \* \{0,1\}//; s/^ \*$//' \
  >"$I/share/licenses/mpdecimal/LICENSE"
grep -q '^Redistribution and use' "$I/share/licenses/mpdecimal/LICENSE" \
  || { echo "finish.sh: no licence text at the top of libmpdec's mpdecimal.h" >&2; exit 1; }
lic expat cpython Modules/expat/COPYING
cp -a "$I/." "$OUT/"
