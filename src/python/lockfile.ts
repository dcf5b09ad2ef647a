// A project's uv.lock is honoured: its pins are exported (`uv export --frozen`, so the lock is used as
// written and never updated) to a requirements file that is installed with --no-deps, exactly like
// [tool.flavor.build].requirements_file. no_dev_deps (default true) leaves the dev group out. The
// project itself and local path entries are not exported: they are built from source as wheels.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { FlavorError } from '../errors.js';
import { runChecked } from './exec.js';
import type { FoundTool } from './tools.js';
import type { Logger } from './types.js';

export interface LockExportOptions {
  projectDir: string;
  noDevDeps: boolean;
  uv: FoundTool | undefined;
  outFile: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  onCommand?: (line: string) => void;
}

/** The requirements file exported from <projectDir>/uv.lock, or undefined when there is no uv.lock. */
export async function exportUvLock(options: LockExportOptions): Promise<string | undefined> {
  const lock = join(options.projectDir, 'uv.lock');
  if (!existsSync(lock)) return undefined;
  if (!options.uv) {
    options.log({
      kind: 'warning',
      message:
        'uv.lock is ignored: exporting it needs uv (run the set-up); dependencies are resolved instead',
    });
    return undefined;
  }
  const raw = `${options.outFile}.raw`;
  await runChecked(
    options.uv.path,
    [
      'export',
      '--frozen',
      '--format',
      'requirements.txt',
      '--no-hashes',
      '--no-emit-project',
      '--no-header',
      ...(options.noDevDeps ? ['--no-dev'] : []),
      '--directory',
      options.projectDir,
      '-o',
      raw,
    ],
    {
      env: options.env,
      onCommand: options.onCommand,
      step: 'exporting uv.lock (uv export --frozen)',
      hintFor: () => 'check uv.lock with `uv lock --check`, or delete it to resolve the dependencies',
    },
  );
  const pins = (await readFile(raw, 'utf8'))
    .split('\n')
    .filter((line) => !/^\s*(-e\s|\.{1,2}\/|\/|file:)/.test(line));
  await writeFile(options.outFile, `${pins.join('\n')}\n`);
  const count = pins.filter((l) => /^[A-Za-z0-9]/.test(l)).length;
  options.log({
    kind: 'info',
    message: `uv.lock: installing its ${count} pinned distribution${count === 1 ? '' : 's'} (frozen${options.noDevDeps ? ', without the dev group' : ', with the dev group'})`,
  });
  return options.outFile;
}

/**
 * A Poetry project's poetry.lock pins the versions: every locked [[package]] from an index becomes a
 * "name==version" constraint (`-c`), so the install resolves to exactly the locked versions (and fails
 * when it cannot, instead of installing others). Returns the constraints file, or undefined without a lock.
 */
export async function poetryLockConstraints(
  projectDir: string,
  outFile: string,
  log: Logger,
): Promise<string | undefined> {
  const lock = join(projectDir, 'poetry.lock');
  if (!existsSync(lock)) return undefined;
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(await readFile(lock, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new FlavorError('PROJECT_INVALID', `poetry.lock is not valid TOML: ${(error as Error).message}`, {
      path: lock,
      hint: 'regenerate it with `poetry lock`, or delete it to resolve the dependencies',
      cause: error,
    });
  }
  const packages = Array.isArray(doc.package) ? (doc.package as Array<Record<string, unknown>>) : [];
  const pins = packages
    .filter((p) => typeof p.name === 'string' && typeof p.version === 'string')
    .filter((p) => !isLocalSource(p.source))
    .map((p) => `${p.name}==${p.version}`);
  await writeFile(outFile, `${pins.join('\n')}\n`);
  log({
    kind: 'info',
    message: `poetry.lock: installing with its ${pins.length} locked version${pins.length === 1 ? '' : 's'} as constraints`,
  });
  return outFile;
}

/** A [[package]] built from a folder, file, URL or git checkout: not pinned by version. */
function isLocalSource(source: unknown): boolean {
  if (typeof source !== 'object' || source === null) return false;
  const type = (source as Record<string, unknown>).type;
  return type === 'directory' || type === 'file' || type === 'url' || type === 'git';
}
