// Where each installed third-party distribution came from, for the SBOM: the wheel's (or sdist's) URL
// and SHA-256 on its index. uv resolves exactly the installed versions again (`uv pip compile` of
// name==version pins, --no-deps, same interpreter and index settings) into a PEP 751 pylock.toml, which
// lists for each package the files compatible with the interpreter and their published SHA-256 (uv
// checks those hashes when it downloads). The file that was installed is the wheel whose tags are the
// installed WHEEL file's tags; a distribution built from an sdist (no matching wheel) gets the sdist.
// Nothing here fails the pack: an unresolved origin is a warning and the SBOM says "unknown".

import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { DistributionOrigin } from '../sbom/types.js';
import { runChecked } from './exec.js';
import type { InterpreterInfo } from './interpreters.js';
import type { ProjectConfig } from './manifest.js';
import type { FoundTool } from './tools.js';
import type { Logger } from './types.js';

export const DEFAULT_INDEX = 'https://pypi.org/simple';

export interface LockedFile {
  /** File name (from pylock `name`, else the URL's last segment). */
  file: string;
  url: string;
  sha256: string;
}

export interface LockedPackage {
  name: string;
  version: string;
  wheels: LockedFile[];
  sdist?: LockedFile;
}

export interface OriginOptions {
  uv: FoundTool | undefined;
  interpreter: InterpreterInfo;
  /** For another platform: the uv options that choose its wheels (foreign-target.ts), with a build interpreter. */
  targetArgs?: string[];
  project: ProjectConfig;
  /** The folder the distributions were installed into (their *.dist-info/WHEEL are read). */
  siteDir: string;
  /** "name==version" of each installed third-party distribution. */
  pins: string[];
  /** Where the resolution is written (pylock.toml). */
  workDir: string;
  indexArgs: string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
  onCommand?: (line: string) => void;
}

/** Normalised name → origin of every installed third-party distribution whose file was found. */
export async function resolveOrigins(options: OriginOptions): Promise<Map<string, DistributionOrigin>> {
  const origins = new Map<string, DistributionOrigin>();
  if (options.pins.length === 0) return origins;
  if (!options.uv) {
    options.log({
      kind: 'warning',
      message: 'uv not found: the SBOM lists the dependencies without wheel hashes',
    });
    return origins;
  }
  let locked: LockedPackage[];
  try {
    locked = await lockPins(options, options.uv);
  } catch (error) {
    options.log({
      kind: 'warning',
      message: `the SBOM lists the dependencies without wheel hashes: ${(error as Error).message.split('\n')[0]}`,
    });
    return origins;
  }
  const index = indexOf(options.project, options.env);
  for (const pkg of locked) {
    const tags = await installedTags(options.siteDir, pkg.name, pkg.version);
    const file = chooseFile(pkg, tags);
    if (!file) continue;
    origins.set(normalize(pkg.name), {
      kind: file === pkg.sdist ? 'sdist' : 'wheel',
      url: file.url,
      sha256: file.sha256,
      ...(index ? { index } : {}),
    });
  }
  const missing = options.pins.filter((p) => !origins.has(normalize(p.split('==')[0] ?? p)));
  if (missing.length > 0) {
    options.log({
      kind: 'warning',
      message: `no index file found for ${missing.join(', ')}: the SBOM has no hash for them`,
    });
  }
  return origins;
}

async function lockPins(options: OriginOptions, uv: FoundTool): Promise<LockedPackage[]> {
  const input = join(options.workDir, 'sbom-pins.txt');
  const output = join(options.workDir, 'pylock.toml');
  await writeFile(input, `${options.pins.join('\n')}\n`);
  await runChecked(
    uv.path,
    [
      'pip',
      'compile',
      input,
      '--format',
      'pylock.toml',
      '-o',
      output,
      '--no-deps',
      '--no-header',
      '--no-progress',
      '--quiet',
      '--python',
      options.interpreter.path,
      ...(options.targetArgs ?? []),
      ...options.indexArgs,
    ],
    {
      env: options.env,
      onCommand: options.onCommand,
      step: 'resolving the wheel hashes for the SBOM (uv pip compile)',
    },
  );
  return parsePylock(await readFile(output, 'utf8'));
}

/** The [[packages]] of a PEP 751 pylock.toml: name, version, wheels and sdist with their SHA-256. */
export function parsePylock(text: string): LockedPackage[] {
  const doc = parseToml(text) as { packages?: Array<Record<string, unknown>> };
  const out: LockedPackage[] = [];
  for (const p of doc.packages ?? []) {
    if (typeof p.name !== 'string' || typeof p.version !== 'string') continue;
    const wheels = (Array.isArray(p.wheels) ? p.wheels : []).map(lockedFile).filter((f) => f !== undefined);
    const sdist = lockedFile(p.sdist);
    out.push({ name: p.name, version: p.version, wheels, ...(sdist ? { sdist } : {}) });
  }
  return out;
}

function lockedFile(value: unknown): LockedFile | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { url?: unknown; name?: unknown; hashes?: { sha256?: unknown } };
  if (typeof v.url !== 'string' || typeof v.hashes?.sha256 !== 'string') return undefined;
  if (!/^[0-9a-f]{64}$/.test(v.hashes.sha256)) return undefined;
  const file = typeof v.name === 'string' ? v.name : decodeURIComponent(v.url.split('/').pop() ?? '');
  return { file, url: v.url, sha256: v.hashes.sha256 };
}

/** The file that was installed: the wheel with exactly the installed tags, else the sdist. */
export function chooseFile(pkg: LockedPackage, installedTags: Set<string>): LockedFile | undefined {
  const exact = pkg.wheels.find((w) => sameSet(wheelTags(w.file), installedTags));
  if (exact) return exact;
  return installedTags.size > 0 && pkg.wheels.length === 0 ? pkg.sdist : undefined;
}

/** Every tag a wheel file name stands for ("py2.py3-none-any" → py2-none-any, py3-none-any). */
export function wheelTags(file: string): Set<string> {
  const parts = file.replace(/\.whl$/, '').split('-');
  if (parts.length < 5) return new Set();
  const [py, abi, plat] = parts.slice(-3).map((p) => p!.split('.'));
  const out = new Set<string>();
  for (const a of py!) for (const b of abi!) for (const c of plat!) out.add(`${a}-${b}-${c}`);
  return out;
}

/** The Tag lines of <siteDir>/<name>-<version>.dist-info/WHEEL (empty when there is none). */
async function installedTags(siteDir: string, name: string, version: string): Promise<Set<string>> {
  const folder = (await readdir(siteDir)).find((d) => {
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(d);
    return m !== null && normalize(m[1]!) === normalize(name) && m[2] === version;
  });
  const file = folder ? join(siteDir, folder, 'WHEEL') : undefined;
  if (!file || !existsSync(file)) return new Set();
  const tags = (await readFile(file, 'utf8'))
    .split(/\r?\n/)
    .filter((l) => /^Tag:/i.test(l))
    .map((l) => l.slice(4).trim());
  return new Set(tags);
}

/** The index the files came from: the configured one, when there is exactly one. */
function indexOf(project: ProjectConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (project.build.extraIndexUrls.length > 0) return undefined;
  return project.build.indexUrl ?? env.UV_DEFAULT_INDEX ?? env.UV_INDEX_URL ?? DEFAULT_INDEX;
}

const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');
const sameSet = (a: Set<string>, b: Set<string>): boolean =>
  a.size === b.size && [...a].every((x) => b.has(x));
