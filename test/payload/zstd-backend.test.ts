// The zstd path: native node:zlib on Node >= 22.15 (and 23.8+), the WASM writer / fzstd reader on older
// Node; the two read each other's output. CI runs this file on Node 20 and on Node 24.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compressStage } from '../../src/payload/codecs.js';
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

/** Runs `compressStage` over `chunks`, pausing `inputDelay`/`outputDelay` ms between input/output steps. */
async function compressWithTiming(op: number, chunks: Buffer[], inputDelay: number, outputDelay: number) {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function* source() {
    for (const c of chunks) {
      if (inputDelay) await pause(inputDelay);
      yield c;
    }
  }
  const out: Buffer[] = [];
  for await (const piece of compressStage(op)(source())) {
    out.push(Buffer.from(piece));
    if (outputDelay) await pause(outputDelay);
  }
  return Buffer.concat(out);
}

test('compressors give the same bytes whatever the timing of input and output (reproducible packs)', async () => {
  // The end of input used to reach Node's zstd stream while its last chunk still waited: that chunk
  // then closed the frame and the final flush added a second, empty frame (9 bytes) — timing-dependent.
  // Small chunks (as a tar stream gives: 512-byte headers, file pieces) queue up behind the one in work.
  const chunks = Array.from({ length: 500 }, (_, i) => data.subarray(i * 1000, (i + 1) * 1000));
  const paths = hasNativeZstd() ? (['native', 'wasm'] as const) : (['wasm'] as const);
  for (const backend of paths) {
    setZstdBackend(backend === 'wasm' ? 'wasm' : 'auto');
    for (const op of [OP.ZSTD, OP.GZIP]) {
      const outputs = [
        await compressWithTiming(op, chunks, 0, 0),
        await compressWithTiming(op, chunks, 0, 5),
        await compressWithTiming(op, chunks, 3, 0),
      ];
      for (const o of outputs.slice(1)) assert.ok(o.equals(outputs[0]!), `${backend} op ${op}: bytes differ`);
      if (op === OP.ZSTD && backend === 'native') {
        // one frame: the zstd magic appears once at the start (no trailing empty frame)
        assert.equal(
          outputs[0]!.indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), 1),
          -1,
          'a second zstd frame',
        );
      }
    }
  }
  setZstdBackend('auto');
});
