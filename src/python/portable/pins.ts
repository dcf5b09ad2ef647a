// What the portable runtime is built from, pinned: the zig compiler (PyPI wheel `ziglang`, by host) and
// every source archive (a Debian source package's upstream tarball, by SHA-256). Changing a pin changes
// the recipe hash, so every cached runtime built from the old pins is rebuilt.
//
// How a source is trusted (docs/runtime.md): apt downloads it through Debian's signed archive index
// (InRelease → Sources → checksums); then its SHA-256 must equal the pin below; and where upstream signs
// its releases and Debian ships the key (`debian/upstream/signing-key.asc` in the packaging tarball), the
// upstream signature (`.asc`) is checked with gpgv against that key.

import type { PinnedWheel } from '../tool-pins.js';

export const ZIG_VERSION = '0.17.0';

const FILES = 'https://files.pythonhosted.org/packages';

/** The `ziglang` wheel by `${process.platform}-${process.arch}` of the building machine. */
export const ZIG_WHEELS: Partial<Record<string, PinnedWheel>> = {
  'linux-x64': {
    url: `${FILES}/fe/6f/e1c380fe61db36cb464d5d4d18c557338812500986885373e2550d4ebf6b/ziglang-0.17.0-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.musllinux_1_1_x86_64.whl`,
    size: 101011302,
    sha256: '97079827064a7492cce5541ceb438ae8003ce1e54e399676da2d62fb7a5dc08b',
  },
  'linux-arm64': {
    url: `${FILES}/02/21/abee2f0524f54fe3e8783748b9df79bb07d4b955e6b465677d1cfbda335c/ziglang-0.17.0-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl`,
    size: 97992724,
    sha256: 'd2804f94f54f7fcf8169f4b212a619ad688a4e2e6592e976f0cf2e58e2cd8af3',
  },
};

/** Debian suites the sources come from (deb-src entries needed: docs/runtime.md). */
export type DebianSuite = 'bookworm' | 'trixie';

export interface SourcePin {
  /** Name the recipe knows it by (FLAVOR_RT_SRC_<name>, '-' as '_'). */
  name: string;
  /** Debian source package and version (`apt-get source --download-only <package>=<version>`). */
  package: string;
  debianVersion: string;
  suite: DebianSuite;
  /** The upstream tarball as Debian names it. */
  file: string;
  sha256: string;
  /** True when the upstream signature (`<file>.asc`) is checked against Debian's copy of upstream's key. */
  upstreamSignature: boolean;
}

/** The libraries, the same for every Python version. */
export const LIBRARY_SOURCES: readonly SourcePin[] = [
  pin(
    'zlib',
    'zlib',
    '1:1.2.13.dfsg-1',
    'bookworm',
    'zlib_1.2.13.dfsg.orig.tar.bz2',
    '71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1',
    false,
  ),
  pin(
    'bzip2',
    'bzip2',
    '1.0.8-5',
    'bookworm',
    'bzip2_1.0.8.orig.tar.gz',
    'ab5a03176ee106d3f0fa90e381da478ddae405918153cca248e682cd0c4a2269',
    false,
  ),
  pin(
    'xz',
    'xz-utils',
    '5.4.1-1+deb12u1',
    'bookworm',
    'xz-utils_5.4.1.orig.tar.xz',
    '5d9827aa1875b21c288f78864bb26d2650b436ea8d2cad364e4921eb6266a5a5',
    true,
  ),
  pin(
    'libffi',
    'libffi',
    '3.4.4-1',
    'bookworm',
    'libffi_3.4.4.orig.tar.gz',
    'd66c56ad259a82cf2a9dfc408b32bf5da52371500b84745f7fb8b645712df676',
    false,
  ),
  pin(
    'util-linux',
    'util-linux',
    '2.38.1-5+deb12u3',
    'bookworm',
    'util-linux_2.38.1.orig.tar.xz',
    '60492a19b44e6cf9a3ddff68325b333b8b52b6c59ce3ebd6a0ecaa4c5117e84f',
    false,
  ),
  pin(
    'sqlite',
    'sqlite3',
    '3.40.1-2+deb12u2',
    'bookworm',
    'sqlite3_3.40.1.orig.tar.xz',
    'aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655',
    false,
  ),
  pin(
    'openssl',
    'openssl',
    '3.0.20-1~deb12u2',
    'bookworm',
    'openssl_3.0.20.orig.tar.gz',
    'c80a01dfc70ece4dc21168932c37739042d404d46ccc81a5986dd75314ecda6f',
    true,
  ),
];

/**
 * A source Debian does not carry, taken from the Go module proxy: it serves every tag of a GitHub
 * repository as a module zip, which `go mod download` checks against the Go checksum database
 * (docs/runtime.md "Versions"). The zip becomes a deterministic tar (`file`) the recipe unpacks.
 */
export interface GoModulePin {
  name: string;
  goModule: {
    /** Module path, e.g. github.com/python/cpython. */
    path: string;
    /** The tag as a module version, e.g. v3.12.14+incompatible. */
    version: string;
    /** The module's hash as the checksum database records it (`h1:…`). */
    h1: string;
  };
  /** The tar made from the zip, as it is kept in the sources folder. */
  file: string;
  /** SHA-256 of that tar. */
  sha256: string;
}

export type RuntimeSourcePin = SourcePin | GoModulePin;
export type PythonPin = RuntimeSourcePin & { version: string };

export function isGoModulePin(pin: RuntimeSourcePin): pin is GoModulePin {
  return 'goModule' in pin;
}

/** CPython by minor version: the versions `flavor runtime build` can build. */
export const PYTHON_SOURCES: Readonly<Record<string, PythonPin>> = {
  '3.13': {
    ...pin(
      'cpython',
      'python3.13',
      '3.13.5-2+deb13u5',
      'trixie',
      'python3.13_3.13.5.orig.tar.xz',
      '93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640',
      true,
    ),
    version: '3.13.5',
  },
  // No Debian suite carries 3.12, and bookworm's 3.11 is the 3.11.2 release without Debian's security
  // patches: these come from the Go module proxy, checked by the Go checksum database (go-module.ts).
  '3.12': goModule(
    '3.12.14',
    'h1:TeO9BmjNzcmqlK62JzFfMib+5VTAbJVYLBYsMtgJnww=',
    '92c73ce356a339c9b2c347bdaa5ba8cb6d2c98f1251d1483e2df10e4c6acd1f5',
  ),
  '3.11': goModule(
    '3.11.16',
    'h1:z5uMgeRF154PLsUicq1Jl1hb2OP33HOIWTGw1isQ0RQ=',
    '71178b7e0628b2e49d761d2a5b09623b1b1f4d44d3c0b09ed338b624d5c20b25',
  ),
};

function pin(
  name: string,
  pkg: string,
  debianVersion: string,
  suite: DebianSuite,
  file: string,
  sha256: string,
  upstreamSignature: boolean,
): SourcePin {
  return { name, package: pkg, debianVersion, suite, file, sha256, upstreamSignature };
}

/** CPython X.Y.Z as the tag vX.Y.Z of github.com/python/cpython on the Go module proxy. */
function goModule(version: string, h1: string, sha256: string): GoModulePin & { version: string } {
  return {
    name: 'cpython',
    goModule: { path: 'github.com/python/cpython', version: `v${version}+incompatible`, h1 },
    file: `cpython-${version}.tar`,
    sha256,
    version,
  };
}
