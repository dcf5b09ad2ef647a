// `flavor extract` and `extract-all` are all or nothing: after a refused archive (a correctly signed package
// whose tar slot tries `..`) or an existing output, nothing they created is left behind — not the output
// folder, not the folders created above it, not the slots decoded before the failing one — and what existed
// before is untouched. (Before: `extract-all` left DIR, and `extract` left OUTPUT, as empty folders.)

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { appPackage, buildTar, exists, tree, writePackage } from '../helpers/adversarial.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

let work: string;
/** Slot 0 (the first one extracted) is hostile. */
let hostileFirst: string;
/** Slots 0 and 1 are fine; slot 2 is hostile. */
let hostileLast: string;
let genuine: string;

const EVIL = [{ name: '../../../evil', data: 'x' }];

before(async () => {
  work = await tempDir('flavor-extract-clean-');
  hostileFirst = await writePackage(path.join(work, 'first.psp'), appPackage({ entries: EVIL }));
  const tar = buildTar(EVIL);
  hostileLast = await writePackage(
    path.join(work, 'last.psp'),
    appPackage({
      extraSlots: [
        {
          id: 'evil',
          bytes: gzipSync(tar),
          originalSize: tar.length,
          operations: 'tar.gz',
          target: '{workenv}/evil',
        },
      ],
    }),
  );
  genuine = await writePackage(path.join(work, 'genuine.psp'), appPackage());
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

let n = 0;
const fresh = () => path.join(work, `case-${n++}`);

async function refused(args: string[], code = 14) {
  const r = await runFlavor(args);
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, code === 14 ? /UNSAFE_PATH|outside/i : /already exists/);
  return r;
}

describe('extract-all', { concurrency: 4 }, () => {
  test('a refused first slot leaves no DIR (nor the folders created above it)', async () => {
    const base = fresh();
    await refused(['extract-all', hostileFirst, path.join(base, 'a', 'b', 'out')]);
    assert.equal(await exists(base), false, `left ${(await tree(base)).join(', ')}`);
    assert.equal(await exists(path.join(work, 'evil')), false);
  });

  test('a refused later slot removes the slots already decoded', async () => {
    const out = fresh();
    await refused(['extract-all', hostileLast, out]);
    assert.equal(await exists(out), false, `left ${(await tree(out)).join(', ')}`);
  });

  test('an existing DIR is kept, and only what this run wrote is removed', async () => {
    const out = fresh();
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'mine.txt'), 'keep me\n');
    await refused(['extract-all', '--force', hostileLast, out]);
    assert.deepEqual(await tree(out), ['mine.txt']);
    assert.equal(await fs.readFile(path.join(out, 'mine.txt'), 'utf8'), 'keep me\n');
  });

  test('an existing metadata.json is refused before anything is decoded', async () => {
    const out = fresh();
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'metadata.json'), '{}');
    await refused(['extract-all', genuine, out], 3);
    assert.deepEqual(await tree(out), ['metadata.json']);
  });

  test('the genuine package still extracts completely', async () => {
    const out = fresh();
    const r = await runFlavor(['extract-all', genuine, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await tree(out), ['00-app/', '00-app/run.sh', '01-data', 'metadata.json']);
  });
});

describe('extract', { concurrency: 4 }, () => {
  test('a refused archive leaves no OUTPUT and no folders created above it', async () => {
    const base = fresh();
    await refused(['extract', hostileFirst, '0', path.join(base, 'x', 'out')]);
    assert.equal(await exists(base), false, `left ${(await tree(base)).join(', ')}`);
  });

  test('an existing empty OUTPUT folder is kept (and stays empty)', async () => {
    const out = fresh();
    await fs.mkdir(out);
    await refused(['extract', hostileFirst, '0', out]);
    assert.deepEqual(await tree(out), []);
    assert.equal(await exists(out), true);
  });
});
