// A Python version's own recipe files (runtime-recipe/python-X.Y/): hashed for that version only, its
// stand-ins put on PATH as executables, its finish step run on the runtime tree — and the ones 3.11 has
// do what docs/runtime.md says.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  versionPathDir,
  versionRecipeDigestInput,
  versionRecipeFiles,
} from '../../../src/python/portable/version-recipe.js';
import { tempDir } from '../../helpers/cli.js';

/** A recipe folder holding python-<minor>/<file> = content for each entry. */
async function fakeRecipe(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('flavor-version-recipe-');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

test("a version's own files: relative to its folder, sorted; none without a folder", async () => {
  const recipe = await fakeRecipe({
    'python-3.11/finish.sh': 'x',
    'python-3.11/bin/tool': 'y',
    'build.sh': 'z',
  });
  assert.deepEqual(await versionRecipeFiles(recipe, '3.11'), ['bin/tool', 'finish.sh']);
  assert.deepEqual(await versionRecipeFiles(recipe, '3.12'), []);
});

test('the hash input of a version: each file by path and content, in a stable order', async () => {
  const a = await fakeRecipe({ 'python-3.11/finish.sh': 'x', 'python-3.11/bin/tool': 'y' });
  const b = await fakeRecipe({ 'python-3.11/finish.sh': 'x', 'python-3.11/bin/tool': 'z' });
  const renamed = await fakeRecipe({ 'python-3.11/finish.sh': 'x', 'python-3.11/bin/other': 'y' });
  const digest = async (dir: string) => Buffer.concat(await versionRecipeDigestInput(dir, '3.11'));
  assert.deepEqual(await digest(a), await digest(a));
  assert.notDeepEqual(await digest(a), await digest(b));
  assert.notDeepEqual(await digest(a), await digest(renamed));
  assert.deepEqual(await versionRecipeDigestInput(a, '3.12'), []);
});

test('stand-ins are copied as executables even when their mode bits were lost', async () => {
  const recipe = await fakeRecipe({ 'python-3.11/bin/tool': '#!/bin/sh\necho stand-in\n' });
  const into = join(await tempDir('flavor-version-bin-'), 'bin');
  assert.equal(await versionPathDir(recipe, '3.11', into), into);
  assert.equal(statSync(join(into, 'tool')).mode & 0o777, 0o755);
  assert.equal(spawnSync(join(into, 'tool'), { encoding: 'utf8' }).stdout, 'stand-in\n');
  assert.equal(await versionPathDir(recipe, '3.12', into), undefined);
});
