// reader/: openPackage, verifyPackage and extractSlot on assembled packages, including an unsafe tar slot
// (refused by the payload extractor) and unsigned descriptor bytes that must not change extraction.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { assemble, type VectorSlot } from '../../scripts/vectors/assemble.js';
import { KEY } from '../../scripts/vectors/generators.js';
import { descriptorField } from '../../scripts/vectors/mutate.js';
import { isFlavorError } from '../../src/errors.js';
import { DESCRIPTOR_FIELDS } from '../../src/format/index.js';
import { extractSlot, findSlot } from '../../src/reader/extract.js';
import { openPackage } from '../../src/reader/open.js';
import { verifyPackage } from '../../src/reader/verify.js';
import { workenvId } from '../../src/workenv/identity.js';

const LAUNCHER = new TextEncoder().encode('#!/bin/sh\nexit 0\n');
let dir: string;
let n = 0;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-reader-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, `p${n++}.psp`);
  await fs.writeFile(file, bytes);
  return file;
}

/** A ustar header + data for one entry (enough for hostile-entry tests). */
function tarEntry(name: string, body: string, type = '0', link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(link, 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([h, data]);
}
const tar = (...entries: Buffer[]) => new Uint8Array(Buffer.concat([...entries, Buffer.alloc(1024)]));

const raw = (id: string, body: string, permissions?: string): VectorSlot => ({
  id,
  bytes: new TextEncoder().encode(body),
  originalSize: Buffer.byteLength(body),
  operations: 'raw',
  target: `{workenv}/${id}`,
  ...(permissions ? { permissions } : {}),
});

describe('openPackage / verifyPackage', () => {
  test('opens a valid package: identity, ranges, signature', async () => {
    const file = await write(
      assemble({
        launcher: LAUNCHER,
        key: KEY,
        name: 'rd',
        version: '2',
        slots: [raw('a', 'hello'), raw('b', 'world')],
      }),
    );
    const pkg = await openPackage(file);
    assert.equal(pkg.identity, workenvId('rd', '2', pkg.metadataJson));
    assert.equal(pkg.signature, 'valid');
    assert.deepEqual(
      pkg.slotRanges.map((r) => r.size),
      [5, 5],
    );
    assert.equal(findSlot(pkg, 'b'), 1);
    assert.equal(findSlot(pkg, '0'), 0);
    assert.throws(
      () => findSlot(pkg, '2'),
      (e: unknown) => isFlavorError(e, 'NOT_FOUND'),
    );
    const report = await verifyPackage(file);
    assert.equal(report.trust, 'self-signed');
    // docs/format.md order: padding, launcher, then the slots (the launcher's verify runs the same).
    assert.deepEqual(report.checks.map((c) => c.name).slice(-4), [
      'unsigned gaps',
      'launcher',
      'slot 0',
      'slot 1',
    ]);
  });

  test('a missing file is NOT_FOUND with the path; a folder is refused', async () => {
    await assert.rejects(
      openPackage(path.join(dir, 'none.psp')),
      (e: unknown) => isFlavorError(e, 'NOT_FOUND') && e.path === path.join(dir, 'none.psp'),
    );
    await assert.rejects(openPackage(dir), (e: unknown) => isFlavorError(e) && e.code !== 'INTERNAL');
  });

  test('an all-zero signature is SIGNATURE_MISSING', async () => {
    const bytes = assemble({ launcher: LAUNCHER, key: KEY, slots: [raw('a', 'x')] });
    const { fixIndexChecksum, indexStart } = await import('../../scripts/vectors/mutate.js');
    const { INDEX_FIELDS } = await import('../../src/format/index.js');
    bytes.fill(
      0,
      indexStart(bytes) + INDEX_FIELDS.signature,
      indexStart(bytes) + INDEX_FIELDS.signature + 64,
    );
    await assert.rejects(openPackage(await write(fixIndexChecksum(bytes))), (e: unknown) =>
      isFlavorError(e, 'SIGNATURE_MISSING'),
    );
  });

  test('metadata that is signed but schema-invalid is METADATA_SCHEMA', async () => {
    const bytes = assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [raw('a', 'x')],
      editMetadata: (m) => ((m.package as Record<string, unknown>).name = 7),
    });
    await assert.rejects(
      verifyPackage(await write(bytes)),
      (e: unknown) => isFlavorError(e, 'METADATA_SCHEMA') && e.details?.field === 'package.name',
    );
  });
});

describe('extractSlot', () => {
  test('file mode comes from the signed metadata; unsigned descriptor permissions are ignored', async () => {
    const bytes = assemble({
      launcher: LAUNCHER,
      key: KEY,
      slots: [raw('nul', 'no perms'), raw('exe', 'perms', '0750')],
    });
    // forge the unsigned descriptor permissions of slot 0 (metadata says null)
    Buffer.from(bytes.buffer).writeUInt16LE(0o4777, descriptorField(bytes, 0, DESCRIPTOR_FIELDS.permissions));
    const file = await write(bytes);
    const pkg = (await verifyPackage(file)).package;
    const a = await extractSlot(pkg, 0, path.join(dir, 'nul.out'), false);
    const b = await extractSlot(pkg, 1, path.join(dir, 'exe.out'), false);
    assert.equal(a.kind, 'file');
    assert.equal((await fs.stat(a.path)).mode & 0o7777, 0o600);
    assert.equal((await fs.stat(b.path)).mode & 0o7777, 0o750);
    assert.equal(await fs.readFile(b.path, 'utf8'), 'perms');
  });

  test('forged descriptor permissions that contradict signed metadata fail verification', async () => {
    const bytes = assemble({ launcher: LAUNCHER, key: KEY, slots: [raw('exe', 'perms', '0750')] });
    Buffer.from(bytes.buffer).writeUInt16LE(0o777, descriptorField(bytes, 0, DESCRIPTOR_FIELDS.permissions));
    await assert.rejects(verifyPackage(await write(bytes)), (e: unknown) =>
      isFlavorError(e, 'SLOT_TABLE_INVALID'),
    );
  });

  test('a gzip slot is decoded; existing output refused without force', async () => {
    const body = 'compressed body\n'.repeat(50);
    const slot: VectorSlot = {
      id: 'gz',
      bytes: new Uint8Array(gzipSync(body)),
      originalSize: body.length,
      operations: 'gzip',
      target: '{workenv}/gz',
    };
    const pkg = (await verifyPackage(await write(assemble({ launcher: LAUNCHER, key: KEY, slots: [slot] }))))
      .package;
    const out = path.join(dir, 'gz.out');
    const r = await extractSlot(pkg, 0, out, false);
    assert.equal(r.bytes, body.length);
    assert.equal(await fs.readFile(out, 'utf8'), body);
    await assert.rejects(extractSlot(pkg, 0, out, false), (e: unknown) => isFlavorError(e, 'OUTPUT_EXISTS'));
    await extractSlot(pkg, 0, out, true);
  });

  for (const [name, entry, code] of [
    ['a ../ entry', tarEntry('../escape.txt', 'evil'), 'UNSAFE_PATH'],
    ['an absolute entry', tarEntry('/tmp/abs.txt', 'evil'), 'UNSAFE_PATH'],
    ['a symlink out of the folder', tarEntry('link', '', '2', '../../etc'), 'UNSAFE_ENTRY'],
    ['a device entry', tarEntry('dev', '', '3'), 'UNSAFE_ENTRY'],
  ] as Array<[string, Buffer, string]>) {
    test(`a tar slot with ${name} verifies (bytes intact) but extraction refuses it`, async () => {
      const bytes = tar(tarEntry('ok.txt', 'fine'), entry);
      const slot: VectorSlot = {
        id: 't',
        bytes,
        originalSize: bytes.length,
        operations: 'tar',
        target: '{workenv}',
      };
      const pkg = (
        await verifyPackage(await write(assemble({ launcher: LAUNCHER, key: KEY, slots: [slot] })))
      ).package;
      const dest = path.join(dir, `tar-${n++}`);
      await assert.rejects(extractSlot(pkg, 0, dest, false), (e: unknown) => {
        assert.ok(isFlavorError(e), String(e));
        assert.ok([code, 'UNSAFE_PATH', 'UNSAFE_ENTRY'].includes(e.code), `${e.code}: ${e.message}`);
        return true;
      });
      await assert.rejects(fs.stat(path.join(dir, 'escape.txt')), { code: 'ENOENT' });
      await assert.rejects(fs.stat('/tmp/abs.txt'), { code: 'ENOENT' });
    });
  }
});
