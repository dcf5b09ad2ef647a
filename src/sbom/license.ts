// A distribution's declared licence, from its METADATA, as SBOM licence data. In order of trust:
//   1. License-Expression (PEP 639): an SPDX expression, taken as written;
//   2. License: an SPDX identifier or expression of known identifiers, or a well-known name of one
//      ("MIT License", "Apache 2.0", "New BSD"…); any other short text is kept as a licence *name*;
//      a long or multi-line value is licence text, not a declaration, and is skipped;
//   3. the "License ::" classifiers: mapped only when the classifier names one licence and one version
//      ("BSD License" or "Apache Software License" name no version: they stay names).
// Nothing is guessed: what cannot be mapped exactly is kept as a name.

import type { LicenseSource } from './types.js';

export type LicenseEntry = { id: string } | { name: string };

export interface DeclaredLicense {
  /** Where it was read: the METADATA field. */
  from: 'License-Expression' | 'License' | 'classifiers' | 'none';
  /** An SPDX expression (License-Expression, or a License value made of known identifiers). */
  expression?: string;
  /** Otherwise: one entry per declared licence (an SPDX identifier, or a name that is none). */
  entries: LicenseEntry[];
}

/** SPDX identifiers this mapping produces or recognises, in their canonical case. */
export const KNOWN_IDS = [
  '0BSD',
  'AFL-3.0',
  'AGPL-3.0-only',
  'AGPL-3.0-or-later',
  'Apache-1.1',
  'Apache-2.0',
  'Artistic-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'BSD-4-Clause',
  'BSL-1.0',
  'CC0-1.0',
  'CC-BY-4.0',
  'CNRI-Python',
  'EPL-1.0',
  'EPL-2.0',
  'EUPL-1.2',
  'GPL-2.0-only',
  'GPL-2.0-or-later',
  'GPL-3.0-only',
  'GPL-3.0-or-later',
  'HPND',
  'ISC',
  'LGPL-2.0-only',
  'LGPL-2.0-or-later',
  'LGPL-2.1-only',
  'LGPL-2.1-or-later',
  'LGPL-3.0-only',
  'LGPL-3.0-or-later',
  'MIT',
  'MIT-0',
  'MPL-1.1',
  'MPL-2.0',
  'PSF-2.0',
  'Python-2.0',
  'Unlicense',
  'UPL-1.0',
  'WTFPL',
  'Zlib',
] as const;

const ID_BY_LOWER = new Map<string, string>(KNOWN_IDS.map((id) => [id.toLowerCase(), id]));

/** Exception identifiers allowed after WITH. */
const KNOWN_EXCEPTIONS = new Set(['LLVM-exception', 'Classpath-exception-2.0', 'GCC-exception-3.1']);

/** Well-known spellings of a License value (lower case, spaces collapsed) → SPDX identifier. */
export const LICENSE_NAMES: Record<string, string> = {
  'mit license': 'MIT',
  'the mit license': 'MIT',
  'the mit license (mit)': 'MIT',
  expat: 'MIT',
  'apache 2.0': 'Apache-2.0',
  'apache 2': 'Apache-2.0',
  'apache license 2.0': 'Apache-2.0',
  'apache license, version 2.0': 'Apache-2.0',
  'apache license version 2.0': 'Apache-2.0',
  'apache software license 2.0': 'Apache-2.0',
  'apache-2': 'Apache-2.0',
  'asl 2.0': 'Apache-2.0',
  'bsd 3-clause': 'BSD-3-Clause',
  'bsd 3-clause license': 'BSD-3-Clause',
  '3-clause bsd': 'BSD-3-Clause',
  '3-clause bsd license': 'BSD-3-Clause',
  'new bsd': 'BSD-3-Clause',
  'new bsd license': 'BSD-3-Clause',
  'modified bsd license': 'BSD-3-Clause',
  'revised bsd license': 'BSD-3-Clause',
  'bsd 2-clause': 'BSD-2-Clause',
  'bsd 2-clause license': 'BSD-2-Clause',
  '2-clause bsd': 'BSD-2-Clause',
  'simplified bsd': 'BSD-2-Clause',
  'simplified bsd license': 'BSD-2-Clause',
  'isc license': 'ISC',
  'mpl 2.0': 'MPL-2.0',
  'mpl-2': 'MPL-2.0',
  'mozilla public license 2.0': 'MPL-2.0',
  'mozilla public license 2.0 (mpl 2.0)': 'MPL-2.0',
  psf: 'PSF-2.0',
  psfl: 'PSF-2.0',
  'psf license': 'PSF-2.0',
  'python software foundation license': 'PSF-2.0',
  'the unlicense': 'Unlicense',
  'public domain (unlicense)': 'Unlicense',
  gplv2: 'GPL-2.0-only',
  'gplv2+': 'GPL-2.0-or-later',
  gplv3: 'GPL-3.0-only',
  'gplv3+': 'GPL-3.0-or-later',
  lgplv3: 'LGPL-3.0-only',
  'lgplv3+': 'LGPL-3.0-or-later',
  'lgplv2.1': 'LGPL-2.1-only',
  'lgplv2.1+': 'LGPL-2.1-or-later',
  'zlib license': 'Zlib',
  'boost software license 1.0': 'BSL-1.0',
  'cc0 1.0 universal': 'CC0-1.0',
};

/** Classifiers (after "License :: ") that name exactly one licence and version → SPDX identifier. */
export const CLASSIFIERS: Record<string, string> = {
  'OSI Approved :: MIT License': 'MIT',
  'OSI Approved :: MIT No Attribution License (MIT-0)': 'MIT-0',
  'OSI Approved :: ISC License (ISCL)': 'ISC',
  'OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
  'OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'OSI Approved :: Python Software Foundation License': 'PSF-2.0',
  'OSI Approved :: The Unlicense (Unlicense)': 'Unlicense',
  'OSI Approved :: zlib/libpng License': 'Zlib',
  'OSI Approved :: Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
  'OSI Approved :: Universal Permissive License (UPL)': 'UPL-1.0',
  'OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)': 'EUPL-1.2',
  'OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)': 'EPL-1.0',
  'OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)': 'EPL-2.0',
  'OSI Approved :: Historical Permission Notice and Disclaimer (HPND)': 'HPND',
  'OSI Approved :: Artistic License 2.0': 'Artistic-2.0',
  'OSI Approved :: GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'OSI Approved :: GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
  'OSI Approved :: GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'OSI Approved :: GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
  'OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
  'OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
  'OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
  'OSI Approved :: GNU Affero General Public License v3': 'AGPL-3.0-only',
  'OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)': 'AGPL-3.0-or-later',
  'CC0 1.0 Universal (CC0 1.0) Public Domain Dedication': 'CC0-1.0',
};

/** A License value longer than this, or on several lines, is licence text, not a declaration. */
const MAX_LICENSE_NAME = 80;

export function declaredLicense(source: LicenseSource): DeclaredLicense {
  const expression = source.expression?.trim();
  if (expression) return { from: 'License-Expression', expression, entries: [] };
  const fromField = licenseField(source.license);
  if (fromField) return fromField;
  if (source.classifiers.length > 0) {
    const entries = source.classifiers.map((c): LicenseEntry => {
      const id = CLASSIFIERS[c];
      return id ? { id } : { name: c };
    });
    return { from: 'classifiers', entries: dedupe(entries) };
  }
  return { from: 'none', entries: [] };
}

function licenseField(value: string | undefined): DeclaredLicense | undefined {
  const text = value?.trim();
  if (!text || text.includes('\n') || text.length > MAX_LICENSE_NAME) return undefined;
  if (/^(unknown|none|n\/a|other|license|see license( file)?)$/i.test(text)) return undefined;
  const id = ID_BY_LOWER.get(text.toLowerCase()) ?? LICENSE_NAMES[text.toLowerCase().replace(/\s+/g, ' ')];
  if (id) return { from: 'License', entries: [{ id }] };
  const expression = knownExpression(text);
  if (expression) return { from: 'License', expression, entries: [] };
  return { from: 'License', entries: [{ name: text }] };
}

/** `text` rewritten with canonical identifiers when it is an expression of known ones ("MIT OR Apache-2.0"). */
function knownExpression(text: string): string | undefined {
  const tokens = text.split(/(\s+|\(|\))/).filter((t) => t.trim() !== '');
  if (!tokens.some((t) => /^(AND|OR)$/.test(t))) return undefined;
  const out: string[] = [];
  for (const [i, token] of tokens.entries()) {
    if (token === '(' || token === ')' || /^(AND|OR|WITH)$/.test(token)) out.push(token);
    else if (tokens[i - 1] === 'WITH' && KNOWN_EXCEPTIONS.has(token)) out.push(token);
    else {
      const id = ID_BY_LOWER.get(token.toLowerCase());
      if (!id) return undefined;
      out.push(id);
    }
  }
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

function dedupe(entries: LicenseEntry[]): LicenseEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = 'id' in e ? `id:${e.id}` : `name:${e.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
