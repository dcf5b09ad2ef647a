// Bridge from pack() to the Python pipeline (src/python/): pyproject.toml → BuildSpec, with each step
// reported through the caller's log.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CompatMode } from '../builder/compat.js';
import { readEncryptionKey, type SlotKeyOptions } from '../builder/encrypt-slots.js';
import { FlavorError } from '../errors.js';
import {
  type Compression,
  type PythonBuildEvent,
  planPythonBuild,
  type RuntimeChoice,
  type SharedWheels,
} from '../python/index.js';
import { buildCacheDir, cacheRoot } from '../workenv/paths.js';
import { checkCacheFolder } from '../workenv/safe-folder.js';
import type { PackPlan } from './pack-input.js';

const COMPRESSIONS = ['zstd', 'gzip', 'xz'];

/** The pyproject-only options of pack(). */
export interface PythonPackOptions {
  /** The interpreter to package (default: the best one found). */
  python?: string;
  /** A python-build-standalone archive to package instead. */
  pythonDist?: string;
  /** Compression of the Python slots (default zstd). */
  compression?: Compression;
  compressionLevel?: number;
  /** Strip debug symbols from the runtime (default true). */
  strip?: boolean;
  /** Warnings about pyproject.toml (unknown keys…) are errors. */
  strict?: boolean;
  /** Install dependencies with pip instead of uv. */
  usePip?: boolean;
  /** Report the uv/pip/python command lines (as `command` events). */
  verbose?: boolean;
  /** The builder's tar mtime (else SOURCE_DATE_EPOCH, else 0): the cached runtime slot must match it. */
  sourceDateEpoch?: number;
}

export async function planFromPyproject(
  manifestPath: string,
  options: PythonPackOptions,
  context: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    log: (event: PythonBuildEvent) => void;
    /** Where encrypted slots' keys are read, and the cache the builder reuses them from. */
    slotKeys?: SlotKeyOptions;
    /** The runtime source chosen for the target (selectRuntimeSource; default: this machine's interpreter). */
    runtime?: RuntimeChoice;
    /** Wheels shared by the packages of one multi-platform pack. */
    sharedWheels?: SharedWheels;
  },
  compat?: CompatMode,
): Promise<PackPlan> {
  const compression = options.compression ?? (compat === 'upstream' ? 'gzip' : undefined);
  const level = options.compressionLevel;
  if (compat === 'upstream' && compression !== 'gzip') {
    throw new FlavorError(
      'USAGE',
      `--compat upstream needs gzip: upstream's launchers cannot decode ${compression}`,
      {
        hint: 'leave out --compression (gzip is then used), or leave out --compat',
      },
    );
  }
  if (compression !== undefined && !COMPRESSIONS.includes(compression)) {
    throw new FlavorError(
      'USAGE',
      `--compression must be one of ${COMPRESSIONS.join(', ')}, got "${compression}"`,
    );
  }
  if (level !== undefined && !Number.isInteger(level)) {
    throw new FlavorError('USAGE', `--compression-level must be a whole number, got "${level}"`);
  }
  // Cached runtimes go into the package: a build cache another user could swap is refused first.
  const buildCache = buildCacheDir(context.env);
  await checkCacheFolder(buildCache, { create: true });
  // The same for the folder the build tools (uv, patchelf: programs flavor runs) are downloaded into.
  const toolsCache = cacheRoot(context.env).path;
  await checkCacheFolder(path.join(toolsCache, 'tools'), { create: true });
  // And where built portable runtimes are kept when it is not inside the build cache (docs/runtime.md).
  const runtimes = context.env['FLAVOR_RUNTIME_CACHE'];
  if (runtimes) await checkCacheFolder(path.resolve(runtimes), { create: true });
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-pack-'));
  const cleanup = () => fs.rm(workDir, { recursive: true, force: true });
  try {
    const { python, pythonDist } = options;
    const plan = await planPythonBuild({
      manifestPath,
      ...(context.runtime === undefined ? {} : { runtime: context.runtime }),
      ...(context.sharedWheels === undefined ? {} : { sharedWheels: context.sharedWheels }),
      ...(python === undefined ? {} : { python: path.resolve(context.cwd, python) }),
      ...(pythonDist === undefined ? {} : { pythonDist: path.resolve(context.cwd, pythonDist) }),
      ...(compression === undefined ? {} : { compression }),
      ...(level === undefined ? {} : { compressionLevel: level }),
      strip: options.strip ?? true,
      strict: options.strict ?? false,
      ...(options.usePip ? { usePip: true } : {}),
      cacheRuntimeSlot: compat === undefined,
      sourceDateEpoch: options.sourceDateEpoch ?? epochOf(context.env),
      workDir,
      buildCacheDir: buildCache,
      toolsCacheDir: toolsCache,
      verbose: options.verbose ?? false,
      env: context.env,
      log: context.log,
      readSlotKeys: async (encryptions) => {
        for (const { field, encryption } of encryptions) {
          await readEncryptionKey(encryption, field, context.slotKeys ?? { env: context.env });
        }
      },
    });
    return { spec: plan.spec, defaultOutput: plan.outputPath, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** SOURCE_DATE_EPOCH as the builder reads it (a malformed value: 0 here, refused by pack.ts). */
function epochOf(env: NodeJS.ProcessEnv): number {
  const raw = env.SOURCE_DATE_EPOCH;
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0;
}
