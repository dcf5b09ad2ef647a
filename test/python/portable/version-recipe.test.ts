// A Python version's own recipe files (runtime-recipe/python-X.Y/): hashed for that version only, its
// stand-ins put on PATH as executables, its finish step run on the runtime tree — and the ones 3.11 has
// do what docs/runtime.md says.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFlavorError } from '../../../src/errors.js';
import { recipeDir } from '../../../src/python/portable/build.js';
import { PYTHON_SOURCES } from '../../../src/python/portable/pins.js';
import {
  runVersionFinish,
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

test("3.13 has no recipe files of its own (its recipe hash is the shared recipe's); 3.11 has its stand-ins and finish step", async () => {
  assert.deepEqual(await versionRecipeFiles(recipeDir(), '3.13'), []);
  assert.deepEqual(await versionRecipeDigestInput(recipeDir(), '3.13'), []);
  assert.deepEqual(await versionRecipeFiles(recipeDir(), '3.11'), [
    'bin/aarch64-linux-gnu-readelf',
    'bin/dpkg-architecture',
    'finish.sh',
  ]);
  // every folder of version files belongs to a pinned version
  for (const name of await readdir(recipeDir())) {
    const minor = /^python-(.+)$/.exec(name)?.[1];
    if (minor) assert.ok(PYTHON_SOURCES[minor], `runtime-recipe/${name} is for a version without a pin`);
  }
});

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

test("3.11's dpkg-architecture stand-in answers no multiarch folder", async () => {
  const into = await tempDir('flavor-version-bin-');
  await versionPathDir(recipeDir(), '3.11', into);
  const result = spawnSync(join(into, 'dpkg-architecture'), ['-qDEB_HOST_MULTIARCH'], { encoding: 'utf8' });
  assert.notEqual(result.status, 0);
  assert.equal(result.stdout, '');
});

test("3.11's readelf stand-in (only its cross configure asks for one) fails loudly, naming itself, when called", async () => {
  const into = await tempDir('flavor-version-bin-');
  await versionPathDir(recipeDir(), '3.11', into);
  const result = spawnSync(join(into, 'aarch64-linux-gnu-readelf'), ['-d', 'libreadline.so'], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /runtime-recipe\/python-3\.11's stand-in was called \(-d libreadline\.so\)/);
});

test("3.11's finish step removes the modules that failed their import check, and only those", async () => {
  const out = await tempDir('flavor-version-finish-');
  const dynload = join(out, 'lib', 'python3.11', 'lib-dynload');
  await mkdir(dynload, { recursive: true });
  const failed = '_crypt.cpython-311-x86_64-linux-gnu_failed.so'; // as 3.11's setup.py names it
  const good = '_ssl.cpython-311-x86_64-linux-gnu.so';
  await writeFile(join(dynload, failed), 'ELF');
  await writeFile(join(dynload, good), 'ELF');
  const log = await runVersionFinish(recipeDir(), '3.11', out);
  assert.deepEqual(await readdir(dynload), [good]);
  assert.match(log, /removed _crypt\.cpython-311-x86_64-linux-gnu_failed\.so/);
  assert.equal(await runVersionFinish(recipeDir(), '3.13', out), '', '3.13 has no finish step of its own');
});

test('a version finish step that fails is TOOL_FAILED naming the step', async () => {
  const empty = await tempDir('flavor-version-finish-');
  await assert.rejects(
    runVersionFinish(recipeDir(), '3.11', empty),
    (e: unknown) =>
      isFlavorError(e) && e.code === 'TOOL_FAILED' && /python-3\.11\/finish\.sh/.test(e.hint ?? ''),
  );
  assert.equal(existsSync(join(empty, 'lib')), false);
});
