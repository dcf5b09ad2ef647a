// readWheelMember: stored and deflated members come out byte-exact; a corrupt or hostile zip is a typed
// error, never a crash or a huge allocation. Zips are written by Python's zipfile (the wheel writer).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FlavorError } from '../../src/errors.js';
import { readWheelMember } from '../../src/python/wheel.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flavor-wheel-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const payload = Buffer.concat([randomBytes(3000), Buffer.alloc(50_000, 7)]);
writeFileSync(path.join(dir, 'payload'), payload);

function makeZip(compression: 'ZIP_STORED' | 'ZIP_DEFLATED'): Buffer {
  const out = path.join(dir, `${compression}.whl`);
  execFileSync('python3', [
    '-c',
    `import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.${compression}) as z:\n  z.writestr('x-1.0.dist-info/RECORD', 'r')\n  z.write(sys.argv[2], 'x-1.0.data/scripts/tool')`,
    out,
    path.join(dir, 'payload'),
  ]);
  return readFileSync(out);
}

const isBad = (pattern: RegExp) => (e: unknown) =>
  e instanceof FlavorError && e.code === 'TOOL_CHECKSUM' && pattern.test(e.message);

test('stored and deflated members are read byte-exact', () => {
  for (const c of ['ZIP_STORED', 'ZIP_DEFLATED'] as const) {
    assert.deepEqual(readWheelMember(makeZip(c), 'x-1.0.data/scripts/tool', 1 << 20), payload, c);
  }
});

test('a missing member, an oversized member and a non-zip are refused', () => {
  const zip = makeZip('ZIP_DEFLATED');
  assert.throws(() => readWheelMember(zip, 'nope', 1 << 20), isBad(/no nope in it/));
  assert.throws(() => readWheelMember(zip, 'x-1.0.data/scripts/tool', 1000), isBad(/larger than 1000 bytes/));
  assert.throws(
    () => readWheelMember(Buffer.from('not a zip at all, no records'), 'x', 10),
    isBad(/no end of central directory/),
  );
  assert.throws(() => readWheelMember(Buffer.alloc(5), 'x', 10), isBad(/too short/));
});

test('flipped data bytes fail the CRC or the inflate; a truncated zip fails cleanly', () => {
  const zip = makeZip('ZIP_STORED');
  const at = zip.indexOf(payload.subarray(0, 32)) + 100;
  const flipped = Buffer.from(zip);
  flipped[at] = (flipped[at] as number) ^ 1;
  assert.throws(() => readWheelMember(flipped, 'x-1.0.data/scripts/tool', 1 << 20), isBad(/CRC-32/));
  const deflated = Buffer.from(makeZip('ZIP_DEFLATED'));
  const mid = 200;
  deflated[mid] = (deflated[mid] as number) ^ 0xff;
  assert.throws(
    () => readWheelMember(deflated, 'x-1.0.data/scripts/tool', 1 << 20),
    isBad(/CRC-32|inflate|local header/),
  );
  for (const cut of [zip.length - 10, Math.floor(zip.length / 2), 30]) {
    assert.throws(
      () => readWheelMember(zip.subarray(0, cut), 'x-1.0.data/scripts/tool', 1 << 20),
      isBad(/./),
      `cut ${cut}`,
    );
  }
});

test('a central directory that points past the end is refused', () => {
  const zip = Buffer.from(makeZip('ZIP_STORED'));
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  zip.writeUInt32LE(0xfffffff0, eocd + 16);
  assert.throws(() => readWheelMember(zip, 'x-1.0.data/scripts/tool', 1 << 20), isBad(/central directory/));
});
