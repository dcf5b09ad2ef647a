#!/usr/bin/env bash
# The portable CPython recipe (docs/runtime.md): static third-party libraries, then CPython with
# libpython linked into the executable and extension modules as shared objects, all compiled by
# `zig cc` against glibc 2.17 so the result runs on every glibc >= 2.17 Linux of the target arch.
#
# Called by `flavor runtime build` with everything resolved (sources already verified):
#   FLAVOR_RT_TARGET   x86_64 | aarch64
#   FLAVOR_RT_SOURCES  folder holding the verified source archives (names as in sources.json)
#   FLAVOR_RT_WORK     scratch folder (any path: build paths are mapped out of the output)
#   FLAVOR_RT_OUT      empty folder receiving the runtime tree (bin/, lib/, share/licenses/)
#   FLAVOR_RT_ZIG      the zig binary
#   FLAVOR_RT_SRC_<lib> archive name of each library source (zlib, bzip2, xz, libffi, util_linux, sqlite, openssl)
#   FLAVOR_RT_PYTHON   archive name of the CPython source, FLAVOR_RT_PYVER its X.Y.Z version
#   FLAVOR_RT_BUILD_PYTHON  (cross builds only) a python of the same X.Y that runs on this machine
#   FLAVOR_RT_JOBS     parallel make jobs
#   FLAVOR_RT_ZIG_CACHE (optional) zig's cache folder, shared between builds
#   SOURCE_DATE_EPOCH  fixed time for everything that embeds one
set -euo pipefail

: "${FLAVOR_RT_TARGET:?}" "${FLAVOR_RT_SOURCES:?}" "${FLAVOR_RT_WORK:?}" "${FLAVOR_RT_OUT:?}" "${FLAVOR_RT_ZIG:?}"
: "${FLAVOR_RT_PYTHON:?}" "${FLAVOR_RT_PYVER:?}" "${SOURCE_DATE_EPOCH:?}"
JOBS="${FLAVOR_RT_JOBS:-2}"
HERE="$(cd "$(dirname "$0")" && pwd)"
T="$FLAVOR_RT_TARGET"
TRIPLE="$T-linux-gnu"
W="$FLAVOR_RT_WORK"
DEPS="$W/deps"
SRC="$FLAVOR_RT_SOURCES"
PYMINOR="${FLAVOR_RT_PYVER%.*}"
mkdir -p "$W/bin" "$W/src" "$DEPS/include" "$DEPS/lib/pkgconfig" "$W/stamps"

# --- toolchain: wrappers so that every configure sees one plain command per tool ------------------
# zig's cache (its libc stubs, compiler-rt, libc++) is keyed by content: safe to share between builds.
ZIGC="${FLAVOR_RT_ZIG_CACHE:-$W/zig-cache}"
export ZIG_GLOBAL_CACHE_DIR="$ZIGC" ZIG_LOCAL_CACHE_DIR="$ZIGC"
for tool in cc c++ ar ranlib objcopy; do
  case $tool in
    cc) cmd="cc -target $TRIPLE.2.17" ;;
    c++) cmd="c++ -target $TRIPLE.2.17" ;;
    *) cmd="$tool" ;;
  esac
  printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$FLAVOR_RT_ZIG" "$cmd" >"$W/bin/$TRIPLE-$tool"
  chmod +x "$W/bin/$TRIPLE-$tool"
done
export CC="$W/bin/$TRIPLE-cc" CXX="$W/bin/$TRIPLE-c++" AR="$W/bin/$TRIPLE-ar" RANLIB="$W/bin/$TRIPLE-ranlib"
# Build paths never reach the output: every source path is rewritten to /flavor-build.
MAP="-ffile-prefix-map=$W=/flavor-build"
# Older library sources trip clang 16+'s new default errors; they are warnings there.
export CFLAGS="-O2 -g0 -fPIC $MAP -I$DEPS/include -Wno-error=implicit-function-declaration -Wno-error=implicit-int -Wno-error=int-conversion -w"
export CPPFLAGS="-I$DEPS/include"
export LDFLAGS="-L$DEPS/lib"
export PKG_CONFIG_LIBDIR="$DEPS/lib/pkgconfig" PKG_CONFIG_PATH=""
export TZ=UTC LC_ALL=C
HOST_TRIPLE="$(uname -m)-linux-gnu"
CROSS=()
[ "$T" != "$(uname -m)" ] && CROSS=(--build="$HOST_TRIPLE" --host="$TRIPLE")

step() { [ -e "$W/stamps/$1" ] && return 1; echo "flavor-runtime: building $1" >&2; return 0; }
done_step() { touch "$W/stamps/$1"; }
unpack() { # unpack <archive> <dir>: a clean copy of one source
  rm -rf "$W/src/$2" && mkdir -p "$W/src/$2" && tar -xf "$SRC/$1" -C "$W/src/$2" --strip-components=1
  cd "$W/src/$2"
}
src_of() { local v="FLAVOR_RT_SRC_${1//-/_}"; echo "${!v:?source $1 not given}"; }

# --- the libraries, static and position-independent (they end up in extension modules) ----------
if step zlib; then
  unpack "$(src_of zlib)" zlib
  CHOST="$TRIPLE" ./configure --static --prefix="$DEPS" >/dev/null
  make -j"$JOBS" libz.a >/dev/null
  make install >/dev/null
  done_step zlib
fi
if step bzip2; then
  unpack "$(src_of bzip2)" bzip2
  make -j"$JOBS" libbz2.a CC="$CC" AR="$AR" RANLIB="$RANLIB" CFLAGS="$CFLAGS -D_FILE_OFFSET_BITS=64" >/dev/null
  cp bzlib.h "$DEPS/include/" ; cp libbz2.a "$DEPS/lib/"
  done_step bzip2
fi
if step xz; then
  unpack "$(src_of xz)" xz
  ./configure "${CROSS[@]}" --prefix="$DEPS" --disable-shared --enable-static --disable-xz --disable-xzdec \
    --disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc --disable-nls >/dev/null
  make -j"$JOBS" -C src/liblzma >/dev/null
  make -C src/liblzma install >/dev/null
  done_step xz
fi
if step libffi; then
  unpack "$(src_of libffi)" libffi
  ./configure "${CROSS[@]}" --prefix="$DEPS" --libdir="$DEPS/lib" --disable-shared --enable-static \
    --disable-docs --disable-multi-os-directory --disable-exec-static-tramp >/dev/null
  make -j"$JOBS" >/dev/null
  make install >/dev/null
  done_step libffi
fi
if step uuid; then
  unpack "$(src_of util-linux)" util-linux
  ./configure "${CROSS[@]}" --prefix="$DEPS" --disable-all-programs --enable-libuuid --disable-shared \
    --enable-static --disable-nls --without-python --without-systemd --without-udev >/dev/null
  make -j"$JOBS" libuuid.la >/dev/null
  mkdir -p "$DEPS/include/uuid"
  cp libuuid/src/uuid.h "$DEPS/include/uuid/" ; cp .libs/libuuid.a "$DEPS/lib/"
  done_step uuid
fi
if step sqlite; then
  unpack "$(src_of sqlite)" sqlite
  # The build generates sqlite3.c with tclsh and host tools (BCC), then compiles it for the target.
  ./configure "${CROSS[@]}" --prefix="$DEPS" --disable-shared --enable-static --disable-tcl --disable-readline \
    --disable-editline --enable-threadsafe BCC="cc" \
    CFLAGS="$CFLAGS -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_DBSTAT_VTAB" >/dev/null
  make -j"$JOBS" libsqlite3.la >/dev/null
  cp sqlite3.h sqlite3ext.h "$DEPS/include/" ; cp .libs/libsqlite3.a "$DEPS/lib/"
  done_step sqlite
fi
if step openssl; then
  unpack "$(src_of openssl)" openssl
  case $T in x86_64) target=linux-x86_64 ;; aarch64) target=linux-aarch64 ;; esac
  # OPENSSLDIR=/etc/ssl: the default verify paths are /etc/ssl/cert.pem and /etc/ssl/certs (Debian,
  # Ubuntu, Alpine, Arch, SUSE, and Fedora/RHEL through their /etc/ssl/certs link); the runtime's
  # start-up hook covers the others (docs/runtime.md).
  # OpenSSL compiles its install paths into libcrypto (MODULESDIR, ENGINESDIR): a fixed prefix, installed
  # through DESTDIR, keeps the scratch folder out of the binaries.
  # It also records its compiler command line in libcrypto (OpenSSL_version(OPENSSL_CFLAGS), "compiler:
  # …"): so the compiler is named through PATH and no flag names the scratch folder (OpenSSL compiles its
  # sources by relative path: __FILE__ needs no prefix map), else the output would differ by build folder.
  ossl() { env -u CFLAGS -u CPPFLAGS -u LDFLAGS PATH="$W/bin:$PATH" "$@"; }
  ossl CC="$TRIPLE-cc" AR="$TRIPLE-ar" RANLIB="$TRIPLE-ranlib" ./Configure "$target" no-shared no-tests \
    no-engine no-module no-afalgeng no-dso --prefix=/flavor-build/deps --libdir=lib --openssldir=/etc/ssl \
    -fPIC >/dev/null
  ossl make -j"$JOBS" build_libs >/dev/null
  ossl make install_dev DESTDIR="$W/openssl-dest" >/dev/null
  cp -a "$W/openssl-dest/flavor-build/deps/." "$DEPS/"
  done_step openssl
fi

# --- CPython ---------------------------------------------------------------------------------------
if step cpython; then
  unpack "$FLAVOR_RT_PYTHON" cpython
  cat "$HERE/ssl-ca.py" >>Lib/ssl.py
  pyargs=()
  if [ "${#CROSS[@]}" -gt 0 ]; then
    : "${FLAVOR_RT_BUILD_PYTHON:?a cross build needs FLAVOR_RT_BUILD_PYTHON}"
    pyargs=(--with-build-python="$FLAVOR_RT_BUILD_PYTHON")
    export CONFIG_SITE="$HERE/config.site-cross"
  fi
  # Modules with no library here: readline/curses (need ncurses), Tk, dbm/gdbm.
  OPT="-DNDEBUG -O2 -g0 -fwrapv -Wall" \
  LIBFFI_CFLAGS="-I$DEPS/include" LIBFFI_LIBS="-L$DEPS/lib -lffi" \
  ZLIB_CFLAGS="-I$DEPS/include" ZLIB_LIBS="-L$DEPS/lib -lz" \
  BZIP2_CFLAGS="-I$DEPS/include" BZIP2_LIBS="-L$DEPS/lib -lbz2" \
  LIBLZMA_CFLAGS="-I$DEPS/include" LIBLZMA_LIBS="-L$DEPS/lib -llzma" \
  LIBSQLITE3_CFLAGS="-I$DEPS/include" LIBSQLITE3_LIBS="-L$DEPS/lib -lsqlite3 -lm" \
  LIBUUID_CFLAGS="-I$DEPS/include/uuid" LIBUUID_LIBS="-L$DEPS/lib -luuid" \
  py_cv_module__tkinter=n/a py_cv_module__curses=n/a py_cv_module__curses_panel=n/a \
  py_cv_module_readline=n/a py_cv_module__dbm=n/a py_cv_module__gdbm=n/a \
  ./configure "${CROSS[@]}" "${pyargs[@]}" --prefix=/python --disable-shared --without-ensurepip \
    --with-openssl="$DEPS" --with-openssl-rpath=no --without-system-libmpdec --without-system-expat \
    --disable-test-modules LDFLAGS="$LDFLAGS -s" >"$W/cpython-configure.log"
  make -j"$JOBS" >"$W/cpython-make.log" 2>&1 || { tail -40 "$W/cpython-make.log" >&2; exit 1; }
  done_step cpython
fi

# --- install, trim, licences -----------------------------------------------------------------------
rm -rf "$W/install"
make -C "$W/src/cpython" install DESTDIR="$W/install" >"$W/cpython-install.log" 2>&1 \
  || { tail -40 "$W/cpython-install.log" >&2; exit 1; }
"$HERE/finish.sh" "$W" "$FLAVOR_RT_OUT" "$PYMINOR" "${FLAVOR_RT_BUILD_PYTHON:-}"
