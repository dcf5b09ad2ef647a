// The runtime slot compressed once and cached (src/python/runtime-slot.ts): the cached bytes are exactly
// what the builder writes for the same folder, chain, level and mtime; a second request reuses the file;
// the chain, level, mtime and (for zstd) the writer are the key.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { parseChain } from '../../src/format/index.js';
import { encodeSlot, setZstdBackend, zstdBackend } from '../../src/payload/index.js';
import { cachedRuntimeSlot, runtimeSlotFile } from '../../src/python/runtime-slot.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-runtime-slot-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const runtimeDir = join(tmp, 'entry', 'runtime');
mkdirSync(join(runtimeDir, 'lib', 'python3.12', 'lib-dynload'), { recursive: true });
writeFileSync(join(runtimeDir, 'lib', 'python312.zip'), 'archive bytes '.repeat(1000));
writeFileSync(join(runtimeDir, 'lib', 'python3.12', 'os.py'), 'landmark\n');

async function encoded(operations: string, level: number, mtime: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const { stream, done } = encodeSlot(runtimeDir, parseChain(operations), { level, mtime });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  await Promise.all([pipeline(stream, sink), done]);
  return Buffer.concat(chunks);
}

test('the cached file holds the bytes the builder would write, beside the runtime folder', async () => {
  const request = { runtimeDir, operations: 'tar.zst', level: 19, mtime: 0 };
  const file = await cachedRuntimeSlot(request);
  const writer = zstdBackend() === 'native' ? 'native' : 'wasm32m';
  assert.equal(file, join(dirname(runtimeDir), `slot-tar.zst-19-0-${writer}`));
  assert.deepEqual(readFileSync(file), await encoded('tar.zst', 19, 0));
});

test('a second request reuses the file; chain, level and mtime are the key', async () => {
  const request = { runtimeDir, operations: 'tar.zst', level: 19, mtime: 0 };
  const before = statSync(runtimeSlotFile(request));
  assert.equal(await cachedRuntimeSlot(request), runtimeSlotFile(request));
  assert.equal(statSync(runtimeSlotFile(request)).ino, before.ino, 'not written again');
  const other = await cachedRuntimeSlot({ ...request, mtime: 1700000000 });
  assert.notEqual(other, runtimeSlotFile(request));
  assert.deepEqual(readFileSync(other), await encoded('tar.zst', 19, 1700000000));
  const gzip = await cachedRuntimeSlot({ ...request, operations: 'tar.gz', level: 9 });
  assert.equal(gzip, join(dirname(runtimeDir), 'slot-tar.gz-9-0'));
  assert.deepEqual(readFileSync(gzip), await encoded('tar.gz', 9, 0));
});

test("a zstd slot names its writer: wasm32m holds the WASM writer's bytes; native on Node >= 22.15", async () => {
  const request = { runtimeDir, operations: 'tar.zst', level: 19, mtime: 0 };
  setZstdBackend('wasm');
  try {
    const wasm = await cachedRuntimeSlot(request);
    assert.equal(wasm, join(dirname(runtimeDir), 'slot-tar.zst-19-0-wasm32m'));
    assert.deepEqual(readFileSync(wasm), await encoded('tar.zst', 19, 0));
  } finally {
    setZstdBackend('auto');
  }
  if (zstdBackend() === 'native') {
    assert.equal(runtimeSlotFile(request), join(dirname(runtimeDir), 'slot-tar.zst-19-0-native'));
  }
});
