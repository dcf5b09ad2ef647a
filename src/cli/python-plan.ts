// Bridge from `flavor pack` to the Python pipeline (src/python/): pyproject.toml → BuildSpec, with
// progress per step on the terminal.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CompatMode } from '../builder/compat.js';
import { FlavorError } from '../errors.js';
import { type Compression, planPythonBuild } from '../python/index.js';
import { buildCacheDir, cacheRoot } from '../workenv/paths.js';
import { checkCacheFolder } from '../workenv/safe-folder.js';
import { type Context, flag, type ParsedValues, str } from './command.js';
import type { PackPlan } from './pack-plan.js';

const COMPRESSIONS = ['zstd', 'gzip', 'xz'];

export async function planFromPyproject(
  ctx: Context,
  manifestPath: string,
  values: ParsedValues,
  compat?: CompatMode,
): Promise<PackPlan> {
  const compression = str(values, 'compression') ?? (compat === 'upstream' ? 'gzip' : undefined);
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
  const levelText = str(values, 'compression-level');
  const level = levelText === undefined ? undefined : Number(levelText);
  if (level !== undefined && !Number.isInteger(level)) {
    throw new FlavorError('USAGE', `--compression-level must be a whole number, got "${levelText}"`);
  }
  // Cached runtimes go into the package: a build cache another user could swap is refused first.
  const buildCache = buildCacheDir(ctx.env);
  await checkCacheFolder(buildCache, { create: true });
  // The same for the folder the build tools (uv, patchelf: programs flavor runs) are downloaded into.
  const toolsCache = cacheRoot(ctx.env).path;
  await checkCacheFolder(path.join(toolsCache, 'tools'), { create: true });
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-pack-'));
  const verbose = flag(values, 'verbose');
  const cleanup = () => fs.rm(workDir, { recursive: true, force: true });
  try {
    const python = str(values, 'python');
    const pythonDist = str(values, 'python-dist');
    const plan = await planPythonBuild({
      manifestPath,
      ...(python === undefined ? {} : { python: path.resolve(ctx.cwd, python) }),
      ...(pythonDist === undefined ? {} : { pythonDist: path.resolve(ctx.cwd, pythonDist) }),
      ...(compression === undefined ? {} : { compression: compression as Compression }),
      ...(level === undefined ? {} : { compressionLevel: level }),
      strip: !flag(values, 'no-strip'),
      strict: flag(values, 'strict'),
      ...(flag(values, 'use-pip') ? { usePip: true } : {}),
      workDir,
      buildCacheDir: buildCache,
      toolsCacheDir: toolsCache,
      verbose,
      env: ctx.env,
      log: (event) => {
        if (event.kind === 'warning') ctx.out.warn(event.message);
        else if (event.kind === 'step-start') ctx.out.progress(`${event.message}…`);
        else if (event.kind === 'step-done')
          ctx.out.info(`${event.message} (${((event.elapsedMs ?? 0) / 1000).toFixed(1)}s)`);
        else if (event.kind === 'command') {
          if (verbose) ctx.out.info(`$ ${event.message}`);
        } else ctx.out.info(event.message);
      },
    });
    return { spec: plan.spec, defaultOutput: plan.outputPath, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
