// Checks on where a command will write, made before any work starts, so a read-only folder or an
// output path naming a folder is reported at once, in words, naming the path the user gave:
//   checkOutputFile(file)    `pack -o`: not a folder, its folder exists (or can be created) and is writable
//   checkOutputFolder(dir)   `pack` without -o, `extract`, `extract-all`: the folder or its nearest
//                            existing parent is writable (nothing is created: a refused package leaves
//                            no folders behind)
//   prepareOutputDir(dir)    `keygen --out-dir`: the folder is created and is writable
// A probe file is created and removed to test writability (permission bits say nothing for root, and
// nothing about read-only mounts).

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FlavorError } from '../errors.js';

const REASONS: Record<string, string> = {
  EROFS: 'it is on a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

function cannotWrite(dir: string, cause: unknown, option: string): FlavorError {
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? `${code || (cause as Error).message}`;
  return new FlavorError('IO_ERROR', `cannot write to ${dir}: ${reason}`, {
    path: dir,
    cause,
    hint: `choose another ${option}, or make ${dir} writable`,
  });
}

async function statOrUndefined(p: string) {
  try {
    return await fs.stat(p);
  } catch (error) {
    // ENOTDIR: a parent is a file; nearestExisting() finds it and says so.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The nearest folder of `dir` (itself or a parent) that exists. */
async function nearestExisting(dir: string, option: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    const stat = await statOrUndefined(current);
    if (stat) {
      if (!stat.isDirectory()) {
        throw new FlavorError('IO_ERROR', `cannot write to ${dir}: ${current} is a file, not a folder`, {
          path: current,
          hint: `choose another ${option}`,
        });
      }
      return current;
    }
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

async function probeWritable(dir: string, option: string): Promise<void> {
  const probe = path.join(dir, `.flavor-write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await fs.open(probe, 'wx');
    await handle.close();
  } catch (cause) {
    throw cannotWrite(dir, cause, option);
  }
  await fs.rm(probe, { force: true });
}

/** `file` can be written: it is not a folder and its folder is (or can be made) writable. Creates nothing. */
export async function checkOutputFile(file: string, option = '-o/--output'): Promise<void> {
  const stat = await statOrUndefined(file);
  if (stat?.isDirectory()) {
    throw new FlavorError('USAGE', `${option} names a folder, not a package file`, {
      path: file,
      hint: `give a file name, e.g. ${option.split('/')[0]} ${path.join(file, 'app.psp')}`,
    });
  }
  await probeWritable(await nearestExisting(path.dirname(path.resolve(file)), option), option);
}

/** Files can be created in `dir` (it need not exist yet: its nearest existing parent is checked). */
export async function checkOutputFolder(dir: string, option = '-o/--output'): Promise<void> {
  await probeWritable(await nearestExisting(dir, option), option);
}

/** Creates `dir` (with parents) and checks that files can be created in it. */
export async function prepareOutputDir(dir: string, option: string, mode?: number): Promise<void> {
  const existing = await nearestExisting(dir, option);
  await probeWritable(existing, option);
  try {
    await fs.mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  } catch (cause) {
    throw cannotWrite(dir, cause, option);
  }
  if (path.resolve(dir) !== existing) await probeWritable(dir, option);
}
