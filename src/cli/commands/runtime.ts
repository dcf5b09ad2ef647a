import path from 'node:path';
import { FlavorError } from '../../errors.js';
import { treeSize } from '../../python/fsutil.js';
import {
  buildPortableRuntime,
  hostPortableTarget,
  isPortableTarget,
  PORTABLE_TARGETS,
  pythonPin,
} from '../../python/portable/build.js';
import { buildCacheDir, cacheRoot } from '../../workenv/paths.js';
import { type CommandDefinition, flag, str } from '../command.js';
import { formatBytes } from '../output.js';

export const runtimeBuild: CommandDefinition = {
  name: 'runtime build',
  summary: 'Build the portable CPython (glibc >= 2.17) for a Linux target from verified sources.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    python: { type: 'string', help: 'X.Y  the Python version: 3.11, 3.12 or 3.13 (default 3.13)' },
    platform: { type: 'string', help: 'NAME  linux_amd64 or linux_arm64 (default: this machine)' },
    force: { type: 'boolean', help: 'build again even when the build cache has it' },
    jobs: { type: 'string', help: 'N  parallel compile jobs (default: the number of CPUs)' },
  },
  details:
    'The recipe (runtime-recipe/, docs/runtime.md) compiles OpenSSL, libffi, zlib, bzip2, xz, SQLite and libuuid\n' +
    'statically, then CPython, with zig against glibc 2.17; sources come from Debian source packages (checked\n' +
    'against pinned SHA-256 and upstream signatures) and, for CPython 3.11 and 3.12, from the Go module proxy\n' +
    '(checked by the Go checksum database and pinned hashes). The result is cached by version, target and recipe hash\n' +
    'in the build cache; `flavor pack` uses it as the runtime for Linux targets.',
  async run(ctx, _args, values) {
    const minor = str(values, 'python') ?? '3.13';
    pythonPin(minor);
    const target = str(values, 'platform') ?? hostPortableTarget();
    if (!target || !isPortableTarget(target)) {
      throw new FlavorError('USAGE', `no portable runtime for platform "${target ?? process.platform}"`, {
        hint: `--platform must be one of ${Object.keys(PORTABLE_TARGETS).join(', ')}`,
      });
    }
    const jobs = str(values, 'jobs');
    if (jobs !== undefined && !/^[1-9]\d{0,2}$/.test(jobs)) {
      throw new FlavorError('USAGE', `--jobs must be a whole number from 1, got "${jobs}"`);
    }
    const runtime = await buildPortableRuntime({
      python: minor,
      target,
      buildCacheDir: buildCacheDir(ctx.env),
      toolsDir: path.join(cacheRoot(ctx.env).path, 'tools'),
      env: ctx.env,
      force: flag(values, 'force'),
      ...(jobs ? { jobs: Number(jobs) } : {}),
      log: (event) => {
        if (event.kind === 'warning') ctx.out.warn(event.message);
        else if (event.kind !== 'command') ctx.out.info(event.message);
      },
    });
    const size = await treeSize(runtime.dir);
    ctx.out.print(
      `CPython ${runtime.version} ${runtime.target}: ${runtime.dir} (${formatBytes(size)}, recipe ${runtime.recipeHash}, ${runtime.cached ? 'cached' : `built in ${(runtime.buildMs / 1000).toFixed(0)} s`})`,
    );
    return 0;
  },
};
