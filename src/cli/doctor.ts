// `flavor doctor`: what packing needs and what this machine has — the shipped launchers against their
// manifest, the pinned build tools, the Python interpreters (with why each is or is not usable) and the
// cache folders with their sizes. Each part is collected by one function; `problems` lists what is
// missing, so the command can exit non-zero.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { entryFor, manifestPath, readLauncherManifest } from '../builder/launcher-manifest.js';
import {
  ALL_PLATFORMS,
  hostPlatformName,
  isSourceCheckout,
  LAUNCHER_DIR,
  launcherFileName,
} from '../builder/launchers.js';
import { sha256Hex } from '../crypto/digest.js';
import { toFlavorError } from '../errors.js';
import { discoverInterpreters } from '../python/interpreters.js';
import { hostToolKey, PINNED_TOOLS, type PinnedToolName } from '../python/tool-pins.js';
import { findTool, neededTools, toolsDir, toolVersion, which } from '../python/tools.js';
import { VERSION } from '../version.js';
import { buildCacheDir, cacheRoot, workenvDir } from '../workenv/paths.js';

export type LauncherStatus = 'ok' | 'missing' | 'modified' | 'unlisted';

export interface LauncherRow {
  platform: string;
  file: string;
  status: LauncherStatus;
  size?: number;
  sha256?: string;
  expected_sha256?: string;
}

export interface ToolRow {
  name: PinnedToolName;
  pinned_version: string;
  /** ok: found; download: fetched (and SHA-256 checked) on the first `flavor pack`; missing: neither. */
  status: 'ok' | 'download' | 'missing';
  path?: string;
  source?: string;
  version?: string;
  download_bytes?: number;
  /** Why a tool is missing (e.g. FLAVOR_UV points nowhere). */
  reason?: string;
}

export interface InterpreterRow {
  path: string;
  version: string;
  source: string;
  usable: boolean;
  reason: string;
}

export interface CacheRow {
  name: string;
  path: string;
  exists: boolean;
  size_bytes: number;
}

export interface DoctorReport {
  ok: boolean;
  flavor: { version: string; node: string; platform: string; install: 'checkout' | 'package'; root: string };
  launchers: { dir: string; manifest: string; manifest_found: boolean; go: string; entries: LauncherRow[] };
  tools: ToolRow[];
  interpreters: InterpreterRow[];
  caches: CacheRow[];
  go: string | null;
  problems: string[];
}

export async function doctorReport(env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const install = isSourceCheckout() ? 'checkout' : 'package';
  const launchers = await launcherRows();
  const tools = await toolRows(env);
  // Discovery asks uv for its interpreters; a broken FLAVOR_UV is reported above, not here.
  const uvMissing = tools.some((t) => t.name === 'uv' && t.status === 'missing');
  const interpreters = await interpreterRows(env, uvMissing);
  const caches = await cacheRows(env);
  const problems = [
    ...launcherProblems(launchers.entries, install),
    ...tools
      .filter((t) => t.status === 'missing')
      .map((t) => `${t.name}: ${t.reason ?? `missing, and no pinned download for ${hostToolKey()}`}`),
    ...(interpreters.some((i) => i.usable)
      ? []
      : ['no usable Python interpreter (install CPython ≥ 3.8, or pack with --python-dist)']),
  ];
  return {
    ok: problems.length === 0,
    flavor: {
      version: VERSION,
      node: process.version,
      platform: hostPlatformName(),
      install,
      root: path.dirname(path.dirname(LAUNCHER_DIR)),
    },
    launchers,
    tools,
    interpreters,
    caches,
    go: which('go', env['PATH']) ?? null,
    problems,
  };
}

async function launcherRows(): Promise<DoctorReport['launchers']> {
  let manifest: Awaited<ReturnType<typeof readLauncherManifest>>;
  try {
    manifest = await readLauncherManifest(LAUNCHER_DIR);
  } catch {
    manifest = undefined;
  }
  const entries: LauncherRow[] = [];
  for (const platform of ALL_PLATFORMS) {
    const file = launcherFileName(platform);
    const expected = manifest ? entryFor(manifest, file)?.sha256 : undefined;
    const bytes = await fs.readFile(path.join(LAUNCHER_DIR, file)).catch(() => undefined);
    if (!bytes) {
      entries.push({ platform, file, status: 'missing', ...(expected ? { expected_sha256: expected } : {}) });
      continue;
    }
    const sha256 = sha256Hex(bytes);
    const status: LauncherStatus =
      expected === undefined ? 'unlisted' : expected === sha256 ? 'ok' : 'modified';
    entries.push({
      platform,
      file,
      status,
      size: bytes.length,
      sha256,
      ...(expected ? { expected_sha256: expected } : {}),
    });
  }
  return {
    dir: LAUNCHER_DIR,
    manifest: manifestPath(LAUNCHER_DIR),
    manifest_found: manifest !== undefined,
    go: manifest?.go ?? '',
    entries,
  };
}

function launcherProblems(entries: LauncherRow[], install: 'checkout' | 'package'): string[] {
  const host = hostPlatformName();
  const problems: string[] = [];
  for (const e of entries) {
    if (e.status === 'modified' || e.status === 'unlisted')
      problems.push(
        `launcher ${e.file} is ${e.status === 'modified' ? 'modified (SHA-256 differs from the manifest)' : 'not in the manifest'}: it would be refused`,
      );
    else if (e.status === 'missing' && (e.platform === host || install === 'package'))
      problems.push(`launcher ${e.file} is missing`);
  }
  return problems;
}

async function toolRows(env: NodeJS.ProcessEnv): Promise<ToolRow[]> {
  const dir = toolsDir(cacheRoot(env).path);
  const rows: ToolRow[] = [];
  for (const name of neededTools()) {
    const pin = PINNED_TOOLS[name];
    const base = { name, pinned_version: pin.version };
    let found: ReturnType<typeof findTool>;
    try {
      found = findTool(name, { env, toolsDirs: [dir] });
    } catch (error) {
      rows.push({ ...base, status: 'missing', reason: toFlavorError(error).message });
      continue;
    }
    // flavor pack uses a tool named by FLAVOR_UV/FLAVOR_PATCHELF or a pinned one; PATH alone is not enough.
    if (found && found.source !== 'PATH') {
      rows.push({
        ...base,
        status: 'ok',
        path: found.path,
        source: found.source,
        version: await toolVersion(found.path),
      });
      continue;
    }
    const wheel = pin.wheels[hostToolKey()];
    rows.push(
      wheel
        ? {
            ...base,
            status: 'download',
            path: path.join(dir, `${name}-${pin.version}`),
            download_bytes: wheel.size,
          }
        : { ...base, status: 'missing' },
    );
  }
  return rows;
}

async function interpreterRows(env: NodeJS.ProcessEnv, noUv: boolean): Promise<InterpreterRow[]> {
  try {
    const found = await discoverInterpreters({ env, noUv });
    return found.map((c) => ({
      path: c.path,
      version: c.version,
      source: c.source,
      usable: c.unusable === undefined,
      reason: c.unusable ?? 'usable',
    }));
  } catch (error) {
    return [
      { path: '', version: '', source: 'discovery', usable: false, reason: toFlavorError(error).message },
    ];
  }
}

async function cacheRows(env: NodeJS.ProcessEnv): Promise<CacheRow[]> {
  const root = cacheRoot(env);
  const folders: Array<[string, string]> = [
    [`cache root (${root.source})`, root.path],
    ['workenvs', workenvDir(root.path)],
    ['build cache', buildCacheDir(env)],
    ['tools', toolsDir(root.path)],
  ];
  return Promise.all(
    folders.map(async ([name, dir]) => {
      const size = await folderSize(dir);
      return { name, path: dir, exists: size !== undefined, size_bytes: size ?? 0 };
    }),
  );
}

/** Bytes of the regular files under `dir` (links not followed); undefined when `dir` does not exist. */
async function folderSize(dir: string): Promise<number | undefined> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return undefined;
  let total = 0;
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += (await folderSize(p)) ?? 0;
    else if (entry.isFile()) total += (await fs.lstat(p).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
