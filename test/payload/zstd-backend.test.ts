// The zstd path: native node:zlib on Node >= 22.15 (and 23.8+), the WASM writer / fzstd reader on older
// Node; the two read each other's output. CI runs this file on Node 20 and on Node 24.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hasNativeZstd, OP, setZstdBackend, zstdBackend } from '../../src/payload/index.js';
import { decodeBuffer, encodeToBuffer, rmrf, tempDir } from './helpers/util.js';

const tmp = tempDir();
after(() => {
  setZstdBackend('auto');
  rmrf(tmp);
});
const input = join(tmp, 'data.bin');
const data = Buffer.concat([randomBytes(200_000), Buffer.alloc(300_000, 'flavor ')]);
writeFileSync(input, data);

function nodeAtLeast(major: number, minor: number): boolean {
  const [a, b] = process.versions.node.split('.').map(Number) as [number, number];
  return a > major || (a === major && b >= minor);
}

test('the native zstd path is used exactly when the running Node has it (>= 22.15)', () => {
  const expected = nodeAtLeast(23, 8) || (nodeAtLeast(22, 15) && !nodeAtLeast(23, 0));
  assert.equal(hasNativeZstd(), expected, `Node ${process.version}`);
  assert.equal(zstdBackend(), expected ? 'native' : 'wasm');
  setZstdBackend('wasm');
  assert.equal(zstdBackend(), 'wasm');
  setZstdBackend('auto');
});

test('what one zstd path writes, the other reads', async () => {
  const paths = hasNativeZstd() ? (['native', 'wasm'] as const) : (['wasm'] as const);
  for (const writer of paths) {
    setZstdBackend(writer === 'wasm' ? 'wasm' : 'auto');
    const { bytes } = await encodeToBuffer(input, [OP.ZSTD]);
    for (const reader of paths) {
      setZstdBackend(reader === 'wasm' ? 'wasm' : 'auto');
      const out = join(tmp, `out-${writer}-${reader}`);
      await decodeBuffer(bytes, [OP.ZSTD], out);
      assert.ok(readFileSync(out).equals(data), `${writer} → ${reader}`);
    }
  }
  setZstdBackend('auto');
});
