// What was installed, for `flavor inspect --show-deps / --dependency-tree`: name, version, licence and the
// installed distributions each one requires, read from the METADATA of every *.dist-info of the two
// project slots at pack time and recorded in the signed metadata (python.dependency_tree).

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface InstalledDistribution {
  name: string;
  version: string;
  /** License-Expression, else License (first line), else the "License ::" classifiers; null if none. */
  license: string | null;
  /** Installed distributions this one requires (Requires-Dist without an extra), normalised names. */
  requires: string[];
  /** Which slot it is in: the project and its local dependencies are "app". */
  slot: 'site-packages' | 'app';
}

const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The header fields of a METADATA file (RFC 822 style; the body after the first blank line is skipped). */
export function parseMetadataHeaders(text: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) last[1] += `\n${line.trim()}`;
    else {
      const at = line.indexOf(':');
      if (at > 0) fields.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
    }
  }
  return fields;
}

function licenseOf(fields: Array<[string, string]>): string | null {
  const get = (k: string) => fields.find(([name]) => name.toLowerCase() === k)?.[1];
  const expression = get('license-expression');
  if (expression) return expression;
  const license = get('license')?.split('\n')[0]?.trim();
  if (license && license.length <= 80 && license.toUpperCase() !== 'UNKNOWN') return license;
  const classifiers = fields
    .filter(([k, v]) => k.toLowerCase() === 'classifier' && v.startsWith('License ::'))
    .map(([, v]) => v.split('::').pop()?.trim() ?? v);
  if (classifiers.length > 0) return classifiers.join(', ');
  return license && license.toUpperCase() !== 'UNKNOWN' ? license.slice(0, 80) : null;
}

async function readSlot(dir: string, slot: InstalledDistribution['slot']) {
  const out: Array<InstalledDistribution & { wants: string[] }> = [];
  if (!existsSync(dir)) return out;
  for (const d of (await readdir(dir)).filter((n) => n.endsWith('.dist-info')).sort()) {
    const file = join(dir, d, 'METADATA');
    if (!existsSync(file)) continue;
    const fields = parseMetadataHeaders(await readFile(file, 'utf8'));
    const get = (k: string) => fields.find(([name]) => name.toLowerCase() === k)?.[1];
    const wants = fields
      .filter(([k, v]) => k.toLowerCase() === 'requires-dist' && !/extra\s*==/.test(v))
      .map(([, v]) => normalize(/^[A-Za-z0-9._-]+/.exec(v)?.[0] ?? v));
    out.push({
      name: get('name') ?? d.replace(/-[^-]+\.dist-info$/, ''),
      version: get('version') ?? '',
      license: licenseOf(fields),
      requires: [],
      slot,
      wants,
    });
  }
  return out;
}

/** Every distribution in the two slots, sorted by name, with the requirements among them. */
export async function readInstalled(siteDir: string, appDir: string): Promise<InstalledDistribution[]> {
  const all = [...(await readSlot(siteDir, 'site-packages')), ...(await readSlot(appDir, 'app'))];
  const present = new Set(all.map((d) => normalize(d.name)));
  return all
    .map(({ wants, ...d }) => ({ ...d, requires: [...new Set(wants.filter((w) => present.has(w)))].sort() }))
    .sort((a, b) => (normalize(a.name) < normalize(b.name) ? -1 : 1));
}
