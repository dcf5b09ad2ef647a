// The parts of the recipe that only one Python version needs, kept out of the shared recipe files so that
// adding them changes no other version's recipe hash (docs/runtime.md, "Versions"):
//
//   runtime-recipe/python-<X.Y>/bin/*     stand-ins put first on PATH while the recipe builds X.Y
//   runtime-recipe/python-<X.Y>/finish.sh run on the finished runtime tree after runtime-recipe/finish.sh
//
// A version without such a folder is built by the shared recipe alone.

import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FlavorError } from '../../errors.js';
import { run, tail } from '../exec.js';

/** The folder of X.Y's own recipe files, whether or not it exists. */
export function versionRecipeDir(recipeDir: string, minor: string): string {
  return join(recipeDir, `python-${minor}`);
}

/** X.Y's own recipe files, relative to its folder and sorted (none for most versions). */
export async function versionRecipeFiles(recipeDir: string, minor: string): Promise<string[]> {
  const dir = versionRecipeDir(recipeDir, minor);
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** What the recipe hash adds for X.Y: each of its own files, by path and content (nothing when none). */
export async function versionRecipeDigestInput(recipeDir: string, minor: string): Promise<Buffer[]> {
  const dir = versionRecipeDir(recipeDir, minor);
  const parts: Buffer[] = [];
  for (const file of await versionRecipeFiles(recipeDir, minor)) {
    parts.push(Buffer.from(`\0python-${minor}/${file}\0`), await readFile(join(dir, file)));
  }
  return parts;
}

/**
 * Copies X.Y's stand-ins into `into` as executables (a package manager may have dropped their mode bits)
 * and returns that folder for the front of PATH, or undefined when X.Y has none.
 */
export async function versionPathDir(
  recipeDir: string,
  minor: string,
  into: string,
): Promise<string | undefined> {
  const bin = (await versionRecipeFiles(recipeDir, minor)).filter((f) => f.startsWith('bin/'));
  if (bin.length === 0) return undefined;
  await mkdir(into, { recursive: true });
  for (const file of bin) {
    const target = join(into, file.slice('bin/'.length));
    await copyFile(join(versionRecipeDir(recipeDir, minor), file), target);
    await chmod(target, 0o755);
  }
  return into;
}

/** Runs X.Y's finish step on the runtime tree, if it has one; returns its output for the build log. */
export async function runVersionFinish(
  recipeDir: string,
  minor: string,
  runtimeDir: string,
  path = process.env['PATH'] ?? '/usr/bin:/bin',
): Promise<string> {
  const script = join(versionRecipeDir(recipeDir, minor), 'finish.sh');
  if (!existsSync(script)) return '';
  const result = await run('bash', [script, runtimeDir, minor], {
    env: { PATH: path },
  });
  if (result.code !== 0) {
    throw new FlavorError(
      'TOOL_FAILED',
      `the Python ${minor} finish step of the portable runtime failed:\n${tail(result.output, 15)}`,
      {
        hint: `see runtime-recipe/python-${minor}/finish.sh`,
      },
    );
  }
  return result.output;
}
