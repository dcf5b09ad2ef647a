// The Python part of the SBOM (BuildSpec.sbom): the runtime (version, how it was found, the SHA-256 of
// the archive or executable it was copied from) and every installed distribution with its declared
// licence fields (read raw from METADATA: sbom/license.ts maps them), its requirements and the index
// file it was installed from (wheel-origin.ts).

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type {
  DistributionOrigin,
  LicenseSource,
  RuntimeLicenses,
  SbomDistribution,
  SbomPython,
} from '../sbom/types.js';
import { type InstalledDistribution, parseMetadataHeaders } from './dist-info.js';
import type { InterpreterInfo } from './interpreters.js';

export interface SbomPythonOptions {
  interpreter: InterpreterInfo;
  /** SHA-256 of the --python-dist archive, when the interpreter came from one. */
  distSha256?: string;
  /** The --python-dist archive (only its file name is recorded). */
  pythonDist?: string;
  /** SHA-256 of the interpreter executable (used when there is no archive). */
  executableSha256: string;
  bundledLibs: string[];
  /** The runtime's components and licences (runtime-licenses.ts). */
  licenses?: RuntimeLicenses;
  installer: 'uv' | 'pip';
  siteDir: string;
  appDir: string;
  distributions: InstalledDistribution[];
  origins: Map<string, DistributionOrigin>;
}

export async function sbomPython(options: SbomPythonOptions): Promise<SbomPython> {
  const interp = options.interpreter;
  const licenses = new Map([
    ...(await readLicenseSources(options.siteDir)),
    ...(await readLicenseSources(options.appDir)),
  ]);
  const distributions = options.distributions.map((d): SbomDistribution => {
    const origin = d.slot === 'site-packages' ? options.origins.get(normalize(d.name)) : undefined;
    return {
      name: d.name,
      version: d.version,
      license: licenses.get(normalize(d.name)) ?? { classifiers: [] },
      requires: d.requires,
      slot: d.slot,
      ...(origin ? { origin } : {}),
    };
  });
  return {
    runtime: {
      implementation: interp.implementation,
      version: interp.version,
      source: interp.source,
      ...(options.pythonDist ? { archive: basename(options.pythonDist) } : {}),
      sha256: options.distSha256 ?? options.executableSha256,
      hashOf: options.distSha256 ? 'archive' : 'executable',
      abi: interp.soabi,
      platform: interp.platform,
      libc: interp.libc,
      bundledLibs: options.bundledLibs,
      ...(options.licenses ? { licenses: options.licenses } : {}),
    },
    installer: options.installer,
    distributions,
  };
}

/** The licence fields of a METADATA file, as written. */
export function licenseSource(fields: Array<[string, string]>): LicenseSource {
  const get = (k: string) => fields.find(([name]) => name.toLowerCase() === k)?.[1];
  const expression = get('license-expression');
  const license = get('license');
  return {
    ...(expression ? { expression } : {}),
    ...(license ? { license } : {}),
    classifiers: fields
      .filter(([k, v]) => k.toLowerCase() === 'classifier' && v.startsWith('License ::'))
      .map(([, v]) => v.slice('License ::'.length).trim()),
  };
}

async function readLicenseSources(dir: string): Promise<Map<string, LicenseSource>> {
  const out = new Map<string, LicenseSource>();
  if (!existsSync(dir)) return out;
  for (const d of (await readdir(dir)).filter((n) => n.endsWith('.dist-info')).sort()) {
    const file = join(dir, d, 'METADATA');
    if (!existsSync(file)) continue;
    const fields = parseMetadataHeaders(await readFile(file, 'utf8'));
    const name = fields.find(([k]) => k.toLowerCase() === 'name')?.[1] ?? d.replace(/-[^-]+\.dist-info$/, '');
    out.set(normalize(name), licenseSource(fields));
  }
  return out;
}

const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');
