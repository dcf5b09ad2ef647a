// Every shared archive vector through the TypeScript extractor (decodeSlot with a tar chain, as `flavor
// extract` uses it): a refusal raises exactly the expected code and leaves nothing next to the output; an
// accepted archive gives exactly the listed tree. The Go launcher's payload tests read the same files.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ERROR_CODES, isFlavorError } from '../../src/errors.js';
import { decodeSlot } from '../../src/payload/index.js';
import { OP } from '../../src/payload/ops.js';
import { readArchiveVectors } from '../helpers/archive-vectors.js';

const vectors = readArchiveVectors();
let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-archive-vectors-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Every path under dir, sorted: folders end in "/", links are "name -> target". */
async function listing(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = await fs.lstat(path.join(dir, r));
    if (st.isSymbolicLink()) out.push(`${r} -> ${await fs.readlink(path.join(dir, r))}`);
    else if (st.isDirectory()) out.push(`${r}/`, ...(await listing(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

test('the archive vectors cover links resolved on disk, sparse entries and the size cap', () => {
  const names = vectors.map((v) => v.name);
  for (const n of [
    'fail-link-chain-out',
    'fail-link-loop',
    'fail-sparse-pax-1.0',
    'fail-one-byte-over-max-bytes',
  ]) {
    assert.ok(names.includes(n), `missing vector ${n}`);
  }
  for (const v of vectors) {
    assert.ok(v.expect === 'success' || v.expect in ERROR_CODES, `${v.name}: unknown expect "${v.expect}"`);
  }
});

for (const v of vectors) {
  test(`archive vector ${v.name}: ${v.expect}`, async () => {
    const box = path.join(work, v.name);
    await fs.mkdir(box);
    const out = path.join(box, 'out');
    const options = v.maxBytes === undefined ? {} : { maxOutputBytes: v.maxBytes };
    const run = decodeSlot(Readable.from([v.bytes]), [OP.TAR], out, options);
    if (v.expect === 'success') {
      await run;
      assert.deepEqual(await listing(out), v.tree);
      return;
    }
    await assert.rejects(run, (err: unknown) => {
      assert.ok(isFlavorError(err), String(err));
      assert.equal(err.code, v.expect, err.message);
      return true;
    });
    assert.deepEqual(await fs.readdir(box), [], 'the refused archive left something behind');
  });
}
