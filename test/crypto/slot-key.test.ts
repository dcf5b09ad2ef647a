// Slot key sources and key text (src/crypto/slot-key.ts). The text rules are pinned for both
// implementations by testdata/vectors/encrypted; these tests cover what the vectors cannot: key files
// (relative, "~/", too large, unreadable) and the prompt.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseSlotKey, resolveKeyPath, resolveSlotKey } from '../../src/crypto/slot-key.js';
import { FlavorError } from '../../src/errors.js';

const HEX = 'ab'.repeat(32);
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-slot-key-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const code = (c: string) => (e: unknown) => e instanceof FlavorError && e.code === c;

test('key text: 64 hex digits or 44 canonical base64 characters, surrounding whitespace ignored', () => {
  assert.deepEqual(Buffer.from(parseSlotKey(`  ${HEX}\n`, 'x')), Buffer.alloc(32, 0xab));
  assert.deepEqual(
    Buffer.from(parseSlotKey(Buffer.alloc(32, 7).toString('base64'), 'x')),
    Buffer.alloc(32, 7),
  );
  assert.throws(
    () => parseSlotKey(Buffer.alloc(32, 7).toString('base64url').replace(/=*$/, ''), 'x'),
    code('SLOT_KEY_INVALID'),
  );
  assert.throws(() => parseSlotKey('', 'x'), /it is empty/);
  assert.throws(
    () => parseSlotKey(HEX.slice(1), 'env:K'),
    /the slot key from env:K is not a 32-byte key: it is 63 characters/,
  );
});

test('file: keys are read relative to the base folder, "~/" from the home folder', async () => {
  await fs.mkdir(path.join(dir, 'keys'));
  await fs.writeFile(path.join(dir, 'keys', 'k'), `${HEX}\n`);
  const key = await resolveSlotKey({ kind: 'file', path: 'keys/k' }, { env: {}, baseDir: dir });
  assert.deepEqual(Buffer.from(key), Buffer.alloc(32, 0xab));
  assert.equal(resolveKeyPath('~/k', '/base'), path.join(os.homedir(), 'k'));
  assert.equal(resolveKeyPath('/abs/k', '/base'), '/abs/k');
});

test('a missing key file is SLOT_KEY_MISSING naming it; a large one SLOT_KEY_INVALID', async () => {
  await assert.rejects(
    resolveSlotKey({ kind: 'file', path: 'nope' }, { env: {}, baseDir: dir }),
    (e: unknown) => {
      assert.ok(e instanceof FlavorError && e.code === 'SLOT_KEY_MISSING');
      assert.equal(e.path, path.join(dir, 'nope'));
      assert.match(e.message, /cannot read the key file \(ENOENT\)/);
      return true;
    },
  );
  await fs.writeFile(path.join(dir, 'big'), `${HEX}\n`.repeat(100));
  await assert.rejects(
    resolveSlotKey({ kind: 'file', path: 'big' }, { env: {}, baseDir: dir }),
    code('SLOT_KEY_INVALID'),
  );
});

test('prompt: the answer is parsed like any key; without a terminal it is SLOT_KEY_MISSING', async () => {
  const asked: string[] = [];
  const key = await resolveSlotKey(
    { kind: 'prompt' },
    {
      env: {},
      baseDir: dir,
      prompt: async (q) => {
        asked.push(q);
        return HEX;
      },
    },
  );
  assert.deepEqual(Buffer.from(key), Buffer.alloc(32, 0xab));
  assert.deepEqual(asked, ['slot key: ']);
  if (!process.stdin.isTTY) {
    await assert.rejects(resolveSlotKey({ kind: 'prompt' }, { env: {}, baseDir: dir }), (e: unknown) => {
      assert.ok(e instanceof FlavorError && e.code === 'SLOT_KEY_MISSING');
      assert.match(e.message, /no terminal/);
      return true;
    });
  }
});
