// `flavor runtime build`: the portable CPython for one (version, Linux target), built by the recipe in
// runtime-recipe/ from verified sources with zig, or taken from the build cache.
//
//   <build cache>/portable-runtimes/   (or FLAVOR_RUNTIME_CACHE)
//     cpython-<X.Y.Z>-<platform>-<recipe hash>/{runtime/, runtime.json}   one finished runtime
//     sources/                                                           verified source archives
//     zig-cache/                                                         zig's own cache (by content)
//
// The recipe hash covers the recipe files, every pin (sources, zig) and the target, so changing any of
// them builds anew. A build runs in a staging folder and is published by one rename. A cross build
// (arm64 on x86-64) first builds, or takes, the host's runtime of the same version: CPython's cross build
// runs a Python of the same version on the build machine.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { FlavorError } from '../../errors.js';
import { run, tail } from '../exec.js';
import { removeAbandonedStaging } from '../staging.js';
import { repoRoot } from '../tools.js';
import type { Logger } from '../types.js';
import { LIBRARY_SOURCES, PYTHON_SOURCES, type PythonPin, ZIG_VERSION } from './pins.js';
import { ensureSources } from './sources.js';
import { runVersionFinish, versionPathDir, versionRecipeDigestInput } from './version-recipe.js';
import { ensureZig } from './zig.js';

/** Bump when the way this file drives the recipe changes (the recipe files are hashed themselves). */
const DRIVER_VERSION = 1;
const RECIPE_FILES = ['build.sh', 'finish.sh', 'config.site-cross', 'ssl-ca.py'];
/** Fixed time embedded wherever a build records one: the output does not depend on when it was built. */
export const PORTABLE_SOURCE_DATE_EPOCH = 1704067200; // 2024-01-01T00:00:00Z

export const PORTABLE_TARGETS = { linux_amd64: 'x86_64', linux_arm64: 'aarch64' } as const;
export type PortableTarget = keyof typeof PORTABLE_TARGETS;

export interface PortableBuildOptions {
  /** "3.13" (a key of PYTHON_SOURCES). */
  python: string;
  target: PortableTarget;
  /** The build cache root (FLAVOR_BUILD_CACHE). */
  buildCacheDir: string;
  /** Where zig is unpacked (a tools folder). */
  toolsDir: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  jobs?: number;
  /** Build even when the cache has this runtime (the new result replaces it). */
  force?: boolean;
}

export interface PortableRuntime {
  /** The runtime tree: bin/python3.X, lib/python3.X/, share/licenses/. */
  dir: string;
  /** bin/python3.X inside it. */
  executable: string;
  version: string;
  target: PortableTarget;
  recipeHash: string;
  cached: boolean;
  buildMs: number;
}

/** The CPython pin for "X.Y", or a USAGE error listing what can be built. */
export function pythonPin(minor: string): PythonPin {
  const found = PYTHON_SOURCES[minor];
  if (!found) {
    throw new FlavorError('USAGE', `no portable runtime recipe for Python ${minor}`, {
      hint: `the recipe builds Python ${Object.keys(PYTHON_SOURCES).join(', ')}; use one of these, or pack with --python <interpreter>`,
    });
  }
  return found;
}

export function isPortableTarget(platform: string): platform is PortableTarget {
  return Object.hasOwn(PORTABLE_TARGETS, platform);
}

/**
 * Hash of everything that decides the output: recipe files, pins, zig version, target. A version's own
 * recipe files (runtime-recipe/python-X.Y/) count for that version only: a version without any hashes
 * exactly what it did before they existed.
 */
export async function recipeHash(minor: string, target: PortableTarget): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({ driver: DRIVER_VERSION, zig: ZIG_VERSION, target, epoch: PORTABLE_SOURCE_DATE_EPOCH }),
  );
  hash.update(JSON.stringify({ libraries: LIBRARY_SOURCES, python: pythonPin(minor) }));
  for (const file of RECIPE_FILES) hash.update(await readFile(join(recipeDir(), file)));
  for (const part of await versionRecipeDigestInput(recipeDir(), minor)) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

export function recipeDir(): string {
  return join(repoRoot(), 'runtime-recipe');
}

/** Where the runtime for (version, target, recipe) is cached, and how it is described once there. */
type CacheKey = Pick<PortableBuildOptions, 'python' | 'target' | 'buildCacheDir' | 'env'>;

/**
 * Where built runtimes are kept: FLAVOR_RUNTIME_CACHE, else <build cache>/portable-runtimes. A runtime is
 * immutable once published (its name carries the recipe hash), so one folder can serve many build caches.
 */
export function portableRuntimesDir(buildCacheDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['FLAVOR_RUNTIME_CACHE'];
  return chosen ? resolve(chosen) : join(buildCacheDir, 'portable-runtimes');
}

async function cacheEntry(options: CacheKey) {
  const pin = pythonPin(options.python);
  const hash = await recipeHash(options.python, options.target);
  const root = portableRuntimesDir(options.buildCacheDir, options.env);
  const entry = join(root, `cpython-${pin.version}-${options.target}-${hash}`);
  const describe = (cached: boolean, buildMs: number): PortableRuntime => ({
    dir: join(entry, 'runtime'),
    executable: join(entry, 'runtime', 'bin', `python${options.python}`),
    version: pin.version,
    target: options.target,
    recipeHash: hash,
    cached,
    buildMs,
  });
  return { pin, root, entry, describe };
}

/** The cached runtime for these options, or undefined when it has not been built (nothing is built). */
export async function findPortableRuntime(options: CacheKey): Promise<PortableRuntime | undefined> {
  const { entry, describe } = await cacheEntry(options);
  return existsSync(join(entry, 'runtime.json')) ? describe(true, 0) : undefined;
}

/** Build (or take from the cache) the portable runtime. */
export async function buildPortableRuntime(options: PortableBuildOptions): Promise<PortableRuntime> {
  const started = Date.now();
  const { pin, root, entry, describe } = await cacheEntry(options);
  if (!options.force && existsSync(join(entry, 'runtime.json'))) return describe(true, Date.now() - started);

  await removeAbandonedStaging(root, '.tmp-linux_');
  const hostRuntime = await hostRuntimeForCross(options);
  const sources = await ensureSources(join(root, 'sources'), [...LIBRARY_SOURCES, pin], options);
  const zig = await ensureZig(options.toolsDir, options.log, options.env);
  const staging = join(root, `.tmp-${options.target}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(join(staging, 'runtime'), { recursive: true });
    const buildPython = hostRuntime && (await privateBuildPython(hostRuntime, staging, options.python));
    await runRecipe({ options, pin, sources, zig, staging, buildPython, root });
    const result = describe(false, Date.now() - started);
    await writeFile(
      join(staging, 'runtime.json'),
      `${JSON.stringify({ ...result, dir: undefined, executable: undefined }, null, 2)}\n`,
    );
    await rm(join(staging, 'work'), { recursive: true, force: true });
    await rm(join(staging, 'build-python'), { recursive: true, force: true });
    // Another build of the same entry may have published meanwhile (two packs at once): a runtime is
    // never replaced under a process that may be using it, unless --force asked for a new one.
    if (!options.force && existsSync(join(entry, 'runtime.json')))
      return describe(true, Date.now() - started);
    await rm(entry, { recursive: true, force: true });
    await rename(staging, entry);
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** For a cross target: the host's runtime of the same version (CPython's --with-build-python). */
async function hostRuntimeForCross(options: PortableBuildOptions): Promise<PortableRuntime | undefined> {
  const host = hostPortableTarget();
  if (host === options.target) return undefined;
  if (!host) {
    throw new FlavorError(
      'USAGE',
      `cannot cross-build the portable runtime on ${process.platform}-${process.arch}`,
      {
        hint: 'build it on Linux x86-64 or arm64',
      },
    );
  }
  options.log({
    kind: 'info',
    message: `cross build: first the ${host} runtime of Python ${options.python}`,
  });
  return buildPortableRuntime({ ...options, target: host, force: false });
}

/**
 * A copy of the host's runtime, in the staging folder, for the cross build to run: the build Python
 * writes `__pycache__` beside the modules it imports from its own library (CPython's build runs it many
 * times: sysconfig, setup.py, compileall, each under its own flags and environment), and a published
 * runtime is never modified. A copy settles it for every such run. The copy's path is recorded as
 * /flavor-build/build-python (finish.sh), as the original's was, so the output bytes do not change.
 */
async function privateBuildPython(host: PortableRuntime, staging: string, python: string): Promise<string> {
  const copy = join(staging, 'build-python');
  await cp(host.dir, copy, { recursive: true, verbatimSymlinks: true });
  return join(copy, 'bin', `python${python}`);
}

export function hostPortableTarget(): PortableTarget | undefined {
  if (process.platform !== 'linux') return undefined;
  if (process.arch === 'x64') return 'linux_amd64';
  if (process.arch === 'arm64') return 'linux_arm64';
  return undefined;
}

interface RecipeRun {
  options: PortableBuildOptions;
  pin: PythonPin;
  sources: string;
  zig: string;
  staging: string;
  buildPython: string | undefined;
  root: string;
}

/** Runs runtime-recipe/build.sh with its inputs in the environment; its output goes to build.log. */
async function runRecipe(r: RecipeRun): Promise<void> {
  const hostPath = (r.options.env ?? process.env)['PATH'] ?? '/usr/bin:/bin';
  const standIns = await versionPathDir(
    recipeDir(),
    r.options.python,
    join(r.staging, 'work', 'version-bin'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: standIns ? `${standIns}:${hostPath}` : hostPath,
    HOME: join(r.staging, 'work'),
    SOURCE_DATE_EPOCH: String(PORTABLE_SOURCE_DATE_EPOCH),
    FLAVOR_RT_TARGET: PORTABLE_TARGETS[r.options.target],
    FLAVOR_RT_SOURCES: r.sources,
    FLAVOR_RT_WORK: join(r.staging, 'work'),
    FLAVOR_RT_OUT: join(r.staging, 'runtime'),
    FLAVOR_RT_ZIG: r.zig,
    FLAVOR_RT_ZIG_CACHE: join(r.root, 'zig-cache'),
    FLAVOR_RT_PYTHON: r.pin.file,
    FLAVOR_RT_PYVER: r.pin.version,
    FLAVOR_RT_JOBS: String(r.options.jobs ?? Math.max(1, cpus().length)),
    ...(r.buildPython ? { FLAVOR_RT_BUILD_PYTHON: r.buildPython } : {}),
  };
  for (const lib of LIBRARY_SOURCES) env[`FLAVOR_RT_SRC_${lib.name.replace(/-/g, '_')}`] = lib.file;
  await mkdir(join(r.staging, 'work'), { recursive: true });
  const logFile = join(r.root, `build-${r.options.target}.log`);
  r.options.log({
    kind: 'step-start',
    message: `building CPython ${r.pin.version} for ${r.options.target} (log: ${logFile})`,
  });
  const result = await run('bash', [join(recipeDir(), 'build.sh')], { env, cwd: join(r.staging, 'work') });
  const handle = await open(logFile, 'w');
  try {
    await handle.writeFile(result.output);
    if (result.code === 0)
      await handle.writeFile(
        await runVersionFinish(recipeDir(), r.options.python, join(r.staging, 'runtime'), hostPath),
      );
  } finally {
    await handle.close();
  }
  if (result.code !== 0) {
    throw new FlavorError(
      'TOOL_FAILED',
      `building the portable runtime for ${r.options.target} failed:\n${tail(result.output, 25)}`,
      {
        hint: `the full output is in ${logFile}`,
      },
    );
  }
}
