// The third-party components of the portable runtime (docs/runtime.md "Licences"): for each folder the
// recipe writes under share/licenses/ (runtime-recipe/finish.sh), its SPDX licence expression and its
// version. Versions come from the pins (the upstream version in the tarball's name), except expat and
// libmpdec, which CPython carries in its own tree: their versions are read from that tree once, by
// CPython minor version (BUNDLED_IN_CPYTHON). Nothing here feeds recipeHash(): the table describes a
// runtime, it does not decide how one is built.

import { FlavorError } from '../../errors.js';
import { LIBRARY_SOURCES, PYTHON_SOURCES, type SourcePin } from './pins.js';

/** Where a component's version comes from. */
type VersionFrom =
  | { from: 'cpython' }
  /** The upstream version of the library pin of this name (pins.ts). */
  | { from: 'pin'; pin: string }
  /** BUNDLED_IN_CPYTHON[minor][component]. */
  | { from: 'cpython-tree' };

export interface ComponentFacts {
  /** SPDX licence expression of what the runtime links in (liblzma only, libuuid only, …). */
  license: string;
  version: VersionFrom;
}

/**
 * Keyed by the folder name in share/licenses/. Licences: CPython as CPython's own release SBOMs declare
 * it; liblzma 5.4 is public domain (xz's COPYING: no SPDX identifier, hence a LicenseRef); SQLite's
 * LICENSE.md is the blessing (SPDX `blessing`); libuuid is util-linux's BSD-3-Clause part.
 */
export const PORTABLE_COMPONENTS: Readonly<Record<string, ComponentFacts>> = {
  cpython: { license: 'PSF-2.0', version: { from: 'cpython' } },
  openssl: { license: 'Apache-2.0', version: { from: 'pin', pin: 'openssl' } },
  libffi: { license: 'MIT', version: { from: 'pin', pin: 'libffi' } },
  zlib: { license: 'Zlib', version: { from: 'pin', pin: 'zlib' } },
  bzip2: { license: 'bzip2-1.0.6', version: { from: 'pin', pin: 'bzip2' } },
  xz: { license: 'LicenseRef-public-domain', version: { from: 'pin', pin: 'xz' } },
  sqlite: { license: 'blessing', version: { from: 'pin', pin: 'sqlite' } },
  libuuid: { license: 'BSD-3-Clause', version: { from: 'pin', pin: 'util-linux' } },
  expat: { license: 'MIT', version: { from: 'cpython-tree' } },
  mpdecimal: { license: 'BSD-2-Clause', version: { from: 'cpython-tree' } },
};

export type BundledComponent = 'expat' | 'mpdecimal';

/**
 * The libraries CPython's source tree carries, by CPython minor version, as the pinned tarball has them:
 * expat from Modules/expat/expat.h (XML_MAJOR/MINOR/MICRO_VERSION), libmpdec from
 * Modules/_decimal/libmpdec/mpdecimal.h (MPD_VERSION). A version added to PYTHON_SOURCES needs its row
 * here (test/python/portable/components.test.ts fails without it, and checks the row against the
 * tarball when the sources are at hand).
 */
export const BUNDLED_IN_CPYTHON: Readonly<Record<string, Readonly<Record<BundledComponent, string>>>> = {
  '3.13': { expat: '2.7.1', mpdecimal: '2.5.1' },
  '3.12': { expat: '2.8.3', mpdecimal: '2.5.1' },
  '3.11': { expat: '2.8.3', mpdecimal: '2.5.1' },
};

/** The upstream version of a pin: its tarball's name without Debian's repack suffix (`.dfsg`, `+ds`). */
export function upstreamVersion(pin: Pick<SourcePin, 'file'>): string | undefined {
  const m = /^[^_]+_(.+)\.orig\.tar\.[a-z0-9]+$/.exec(pin.file);
  return m?.[1]?.replace(/[.+~](?:dfsg|ds)\d*$/, '');
}

/** The version of a portable runtime's component for CPython `minor`, or RUNTIME_COMPONENTS_INVALID. */
export function componentVersion(name: string, minor: string): string {
  const facts = PORTABLE_COMPONENTS[name];
  if (!facts) throw unknownComponent(name);
  const version = versionOf(name, facts.version, minor);
  if (version === undefined) {
    throw new FlavorError(
      'RUNTIME_COMPONENTS_INVALID',
      `no version of ${name} is recorded for the portable Python ${minor} runtime`,
      {
        hint: `add its row for ${minor} to BUNDLED_IN_CPYTHON / the pins (src/python/portable/components.ts, pins.ts)`,
        details: { component: name, python: minor },
      },
    );
  }
  return version;
}

function versionOf(name: string, from: VersionFrom, minor: string): string | undefined {
  if (from.from === 'cpython') return PYTHON_SOURCES[minor]?.version;
  if (from.from === 'cpython-tree') return BUNDLED_IN_CPYTHON[minor]?.[name as BundledComponent];
  const pin = LIBRARY_SOURCES.find((p) => p.name === from.pin);
  return pin ? upstreamVersion(pin) : undefined;
}

export function unknownComponent(name: string): FlavorError {
  return new FlavorError(
    'RUNTIME_COMPONENTS_INVALID',
    `the portable runtime has share/licenses/${name}/, a component flavor has no licence and version for`,
    {
      hint: `add ${name} to PORTABLE_COMPONENTS (src/python/portable/components.ts), or rebuild the runtime with this flavor's recipe (flavor runtime build --force)`,
      details: { component: name },
    },
  );
}
