// The runtime slot: a relocatable copy of a CPython installation.
//
//   bin/python3.X (+ python3, python → python3.X)
//   lib/libpython3.X.so.1.0            (shared builds)
//   lib/libssl.so.3, libffi.so.8, …    host libraries the extension modules need, beyond glibc
//   lib/python3X.zip                   the standard library as .pyc (unchecked-hash), on sys.path (stdlib-zip.ts)
//   lib/python3.X/os.py, LICENSE.txt   the prefix landmark and license() text
//   lib/python3.X/lib-dynload/         extension modules
//   share/licenses/<component>/        the portable runtime's licences (runtime-licenses.ts)
//
// The executable gets DT_RPATH $ORIGIN/../lib, libraries $ORIGIN, lib-dynload modules $ORIGIN/../.. so the
// tree runs from any folder and prefers its own copies of libssl & co (runtime-assemble.ts builds it).
// The result is cached under <buildCacheDir>/python-runtimes/<name>/{runtime,runtime.json}, keyed by the
// interpreter files, options and tool versions. A build happens in a staging folder next to its entry and
// is published by one rename: a failed or interrupted build never leaves a usable-looking entry behind.

import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sha256File, sha256Text } from './fsutil.js';
import type { InterpreterInfo } from './interpreters.js';
import {
  type AssembledRuntime,
  assembleRuntime,
  DEFAULT_RUNTIME_LAYOUT,
  findLibpython,
  type RuntimeLayout,
} from './runtime-assemble.js';
import { removeAbandonedStaging } from './staging.js';
import { findTool, toolVersion } from './tools.js';
import type { Logger } from './types.js';

export { parseLdd } from './runtime-assemble.js';

/** Bump when the runtime layout or build steps change: invalidates every cached runtime. */
export const RUNTIME_PIPELINE_VERSION = 7;

/** Prefix of staging folders in <buildCacheDir>/python-runtimes (".tmp-<entry>-<pid>-<random>"). */
const STAGING_PREFIX = '.tmp-';

export interface RuntimeInfo extends AssembledRuntime {
  /** The slot source folder. */
  dir: string;
  key: string;
  /** True when taken from the build cache. */
  cached: boolean;
  buildMs: number;
}

export interface BuildRuntimeOptions {
  interpreter: InterpreterInfo;
  buildCacheDir: string;
  strip: boolean;
  /** Extra .opt-N.pyc level of the standard library (part of the cache key; 0 = none). */
  optimizationLevel?: 0 | 1 | 2;
  /** zip_stdlib, prune_stdlib, include_stdlib_sources (part of the cache key). */
  layout?: Partial<RuntimeLayout>;
  /** sha256 of the --python-dist archive, when the interpreter came from one (part of the cache key). */
  distSha256?: string;
  /** The portable runtime: its share/licenses is copied too (part of the cache key when set). */
  keepLicenses?: boolean;
  log: Logger;
  verbose?: boolean;
}

function statKey(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

/** Where the runtime for these options is (or will be) cached, and its key. */
export async function runtimeCacheEntry(options: BuildRuntimeOptions): Promise<{ key: string; dir: string }> {
  const info = options.interpreter;
  const exe = await realpath(info.path);
  const libpython = info.shared ? await findLibpython(info).catch(() => undefined) : undefined;
  const patchelf = findTool('patchelf');
  const strip = options.strip ? findTool('strip') : undefined;
  const keyInput = {
    pipeline: RUNTIME_PIPELINE_VERSION,
    exe,
    exeStat: statKey(exe),
    libpython: libpython ?? null,
    libpythonStat: libpython ? statKey(libpython) : null,
    version: info.version,
    platform: info.platform,
    strip: options.strip,
    patchelf: patchelf ? await toolVersion(patchelf.path) : null,
    stripTool: strip ? await toolVersion(strip.path) : null,
    dist: options.distSha256 ?? null,
    ...(options.optimizationLevel ? { optimizationLevel: options.optimizationLevel } : {}),
    layout: { ...DEFAULT_RUNTIME_LAYOUT, ...options.layout },
    // Only when set: the keys (and cached runtimes) of every other interpreter stay as they were.
    ...(options.keepLicenses ? { licenses: true } : {}),
  };
  const key = sha256Text(JSON.stringify(keyInput)).slice(0, 16);
  const name = `cpython-${info.version}-${info.platform}-${key}`;
  return { key, dir: join(options.buildCacheDir, 'python-runtimes', name) };
}

/** Build (or take from the cache) the relocatable runtime for an interpreter. */
export async function buildRuntime(options: BuildRuntimeOptions): Promise<RuntimeInfo> {
  const started = Date.now();
  const { key, dir } = await runtimeCacheEntry(options);
  const cached = await readCachedRuntime(dir);
  if (cached) return { ...cached, dir: join(dir, 'runtime'), cached: true, buildMs: Date.now() - started };
  await mkdir(dirname(dir), { recursive: true });
  await removeAbandonedStaging(dirname(dir), STAGING_PREFIX);
  const staging = join(
    dirname(dir),
    `${STAGING_PREFIX}${basename(dir)}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const assembled = await assembleRuntime(options, join(staging, 'runtime'));
    const result: RuntimeInfo = { ...assembled, key, cached: false, buildMs: 0, dir: join(dir, 'runtime') };
    await writeFile(
      join(staging, 'runtime.json'),
      `${JSON.stringify({ ...result, dir: undefined }, null, 2)}\n`,
    );
    const published = await publish(staging, dir);
    return { ...result, cached: !published, buildMs: Date.now() - started };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The runtime.json of a complete cache entry, or undefined (missing or damaged: rebuilt). */
async function readCachedRuntime(dir: string): Promise<RuntimeInfo | undefined> {
  const infoFile = join(dir, 'runtime.json');
  if (!existsSync(infoFile) || !existsSync(join(dir, 'runtime'))) return undefined;
  try {
    return JSON.parse(await readFile(infoFile, 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

/**
 * Moves a finished staging folder into place with one rename. Returns false when another build
 * published the same entry first (its identical result is kept: it may already be in use).
 */
async function publish(staging: string, dir: string): Promise<boolean> {
  if (existsSync(join(dir, 'runtime.json'))) return false;
  if (existsSync(dir)) await rm(dir, { recursive: true, force: true }); // a damaged entry
  try {
    await rename(staging, dir);
    return true;
  } catch (error) {
    if (existsSync(join(dir, 'runtime.json'))) return false;
    throw error;
  }
}

export { sha256File };
