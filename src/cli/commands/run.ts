import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlavorError } from '../../errors.js';
import type { CommandDefinition } from '../command.js';

/**
 * A package is its own launcher, so running it means executing the file. When it lost its execute bit
 * (downloads, some archives), a private 0700 copy is executed instead; the workenv is keyed by content, so
 * the copy reuses the same cache.
 */
async function runnablePath(pkg: string): Promise<{ file: string; cleanup: () => Promise<void> }> {
  try {
    await fs.access(pkg, constants.X_OK);
    return { file: path.resolve(pkg), cleanup: async () => {} };
  } catch {
    await fs.access(pkg, constants.R_OK).catch((cause) => {
      throw new FlavorError('NOT_FOUND', 'cannot read the package', { path: pkg, cause });
    });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-run-'));
    const file = path.join(dir, path.basename(pkg));
    await fs.copyFile(pkg, file);
    await fs.chmod(file, 0o700);
    return { file, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  }
}

export const run: CommandDefinition = {
  name: 'run',
  summary: 'Run a package as a user would (also when it lost its execute bit); ARGS go to the app untouched.',
  args: 'PKG [ARGS…]',
  minArgs: 1,
  maxArgs: Number.POSITIVE_INFINITY,
  passThrough: true,
  options: {},
  details:
    "The exit code is the app's (128+N when it died of signal N). Options after PKG belong to the app.",
  async run(ctx, [pkg, ...args]) {
    const { file, cleanup } = await runnablePath(pkg!);
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(file, args, { stdio: 'inherit', env: ctx.env, cwd: ctx.cwd });
        const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
        const handlers = signals.map((s) => [s, () => child.kill(s)] as const);
        for (const [s, h] of handlers) process.on(s, h);
        const done = () => {
          for (const [s, h] of handlers) process.off(s, h);
        };
        child.on('error', (cause) => {
          done();
          const code = (cause as NodeJS.ErrnoException).code;
          reject(
            new FlavorError('IO_ERROR', `cannot run the package (${code})`, {
              path: pkg,
              cause,
              hint:
                code === 'EACCES'
                  ? 'the file system may be mounted noexec; copy the package elsewhere'
                  : undefined,
            }),
          );
        });
        child.on('close', (code, signal) => {
          done();
          resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
        });
      });
    } finally {
      await cleanup();
    }
  },
};
