// Codec failures and limits: corrupt streams → PAYLOAD_CORRUPT, bombs → PAYLOAD_TOO_LARGE, and the
// encode-side source rules → SOURCE_INVALID / UNSUPPORTED_OPERATION.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FlavorError } from '../../src/errors.js';
import { decodeStream, encodeSlot, gunzipMetadata, gzipMetadata, OP } from '../../src/payload/index.js';
import {
  collect,
  decodeBuffer,
  encodeToBuffer,
  hasProgram,
  rejectsWith,
  rmrf,
  tempDir,
} from './helpers/util.js';

const TEN_MB = 10 * 1024 * 1024;

describe('decoders', () => {
  let tmp: string;
  before(() => {
    tmp = tempDir();
  });
  after(() => rmrf(tmp));

  const good = Buffer.from('hello world, '.repeat(5000));

  it('refuses corrupt and truncated gzip with PAYLOAD_CORRUPT', async () => {
    const gz = gzipSync(good);
    const flipped = Buffer.from(gz);
    flip(flipped, Math.floor(gz.length / 2), 0xff);
    const badCrc = Buffer.from(gz);
    flip(badCrc, gz.length - 6, 0x01);
    for (const [what, bytes] of [
      ['garbage', Buffer.from('this is not gzip at all')],
      ['flipped', flipped],
      ['crc', badCrc],
      ['truncated', gz.subarray(0, gz.length - 10)],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      const dest = join(tmp, `gz-${what}`);
      await rejectsWith(decodeBuffer(bytes, [OP.GZIP], dest), 'PAYLOAD_CORRUPT');
      assert.deepEqual(
        readdirSync(tmp).filter((n) => n.includes(`gz-${what}`)),
        [],
        `${what}: nothing left`,
      );
    }
  });

  it('refuses corrupt, truncated and oversized-window zstd', async () => {
    const { bytes: zst } = await encodeToBuffer(writeTemp(tmp, 'plain', good), [OP.ZSTD]);
    const badMagic = Buffer.from(zst);
    badMagic[0] = 0;
    const reserved = Buffer.from(zst);
    reserved[4] = (reserved[4] as number) | 0x08;
    const badBlockType = Buffer.concat([zst.subarray(0, 6), Buffer.from([0x07, 0, 0]), Buffer.alloc(8)]);
    for (const [what, bytes] of [
      ['garbage', Buffer.from('definitely not zstd')],
      ['magic', badMagic],
      ['reserved', reserved],
      ['blocktype', badBlockType],
      ['truncated', zst.subarray(0, zst.length - 5)],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      await rejectsWith(decodeBuffer(bytes, [OP.ZSTD], join(tmp, `zst-${what}`)), 'PAYLOAD_CORRUPT');
    }
    // frame header declaring a 1 GiB window (window descriptor exponent 20): refused before decoding
    const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00]);
    await rejectsWith(decodeBuffer(huge, [OP.ZSTD], join(tmp, 'zst-window')), 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.startsWith('zst-') || n.startsWith('.zst-')),
      [],
    );
  });

  it('refuses corrupt xz and bzip2', { skip: !hasProgram('xz') || !hasProgram('bzip2') }, async () => {
    for (const [tool, op] of [
      ['xz', OP.XZ],
      ['bzip2', OP.BZIP2],
    ] as const) {
      const packed = execFileSync(tool, ['-c'], { input: good });
      const flipped = Buffer.from(packed);
      flip(flipped, Math.floor(packed.length / 2), 0xff);
      await rejectsWith(decodeBuffer(flipped, [op], join(tmp, `${tool}-flip`)), 'PAYLOAD_CORRUPT');
      await rejectsWith(
        decodeBuffer(packed.subarray(0, packed.length - 8), [op], join(tmp, `${tool}-trunc`)),
        'PAYLOAD_CORRUPT',
      );
      await rejectsWith(
        decodeBuffer(Buffer.from('garbage garbage'), [op], join(tmp, `${tool}-garbage`)),
        'PAYLOAD_CORRUPT',
      );
    }
    // the xz decoder is usable again after failures (its global lock was released)
    const ok = execFileSync('xz', ['-c'], { input: good });
    const out = await collect(decodeStream(Readable.from([ok]), [OP.XZ]));
    assert.deepEqual(out, good);
  });

  it('stops gzip, zstd, xz and bzip2 bombs at the cap', async () => {
    const zeros = Buffer.alloc(TEN_MB);
    const bombs: Array<[string, number, Buffer]> = [['gzip', OP.GZIP, gzipSync(zeros, { level: 9 })]];
    if (hasProgram('zstd'))
      bombs.push(['zstd', OP.ZSTD, execFileSync('zstd', ['-19', '-c'], { input: zeros })]);
    if (hasProgram('xz')) bombs.push(['xz', OP.XZ, execFileSync('xz', ['-c'], { input: zeros })]);
    if (hasProgram('bzip2')) bombs.push(['bzip2', OP.BZIP2, execFileSync('bzip2', ['-c'], { input: zeros })]);
    for (const [name, op, bomb] of bombs) {
      assert.ok(bomb.length < 100 * 1024, `${name} bomb is small`);
      await rejectsWith(
        decodeBuffer(bomb, [op], join(tmp, `bomb-${name}`), { maxOutputBytes: 1 << 20 }),
        'PAYLOAD_TOO_LARGE',
      );
      await assert.rejects(
        collect(decodeStream(Readable.from([bomb]), [op], { maxOutputBytes: 1 << 20 })),
        (e: unknown) => e instanceof FlavorError && e.code === 'PAYLOAD_TOO_LARGE',
      );
      // default cap from storedSize: 64 × stored + 1 GiB is far above 10 MiB, so this one passes
      const out = await collect(decodeStream(Readable.from([bomb]), [op], { storedSize: bomb.length }));
      assert.equal(out.length, TEN_MB);
    }
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.includes('bomb')),
      [],
    );
  });

  it('decodeStream refuses tar chains and unknown operations', () => {
    assert.throws(
      () => decodeStream(Readable.from([Buffer.alloc(1)]), [OP.TAR, OP.GZIP]),
      (e: unknown) => e instanceof FlavorError && e.code === 'UNSUPPORTED_OPERATION',
    );
    assert.throws(
      () => decodeStream(Readable.from([Buffer.alloc(1)]), [0x42]),
      (e: unknown) => e instanceof FlavorError && e.code === 'UNSUPPORTED_OPERATION',
    );
  });

  it('gzips metadata deterministically and bounds gunzip', () => {
    const json = Buffer.from(JSON.stringify({ a: 'x'.repeat(1000) }));
    const gz = gzipMetadata(json);
    assert.deepEqual(gzipMetadata(json), gz);
    assert.equal(gz.readUInt32LE(4), 0);
    assert.equal(gz[9], 3);
    assert.deepEqual(Buffer.from(gunzipMetadata(gz, 1 << 20)), json);
    assert.throws(
      () => gunzipMetadata(gz, 100),
      (e: unknown) => e instanceof FlavorError && e.code === 'METADATA_TOO_LARGE',
    );
    assert.throws(
      () => gunzipMetadata(Buffer.from('nope'), 100),
      (e: unknown) => e instanceof FlavorError && e.code === 'METADATA_COMPRESSION',
    );
  });
});

function flip(buf: Buffer, at: number, mask: number): void {
  buf[at] = (buf[at] as number) ^ mask;
}

function writeTemp(dir: string, name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

describe('encoder source rules', () => {
  let tmp: string;
  before(() => {
    tmp = tempDir();
  });
  after(() => rmrf(tmp));

  const encodeFails = async (source: string, chain: number[], code: string, message?: RegExp) => {
    const { stream, done } = encodeSlot(source, chain, {});
    const streamErr = collect(stream).then(
      () => assert.fail('stream should fail'),
      (e: unknown) => e,
    );
    const err = await rejectsWith(done, code);
    if (message) assert.match(err.message, message);
    assert.equal(await streamErr, err, 'the stream carries the same error');
    return err;
  };

  it('needs a directory for tar chains and a file otherwise', async () => {
    const dir = join(tmp, 'dir');
    mkdirSync(dir);
    const file = writeTemp(tmp, 'file', Buffer.from('x'));
    await encodeFails(
      dir,
      [OP.GZIP],
      'SOURCE_INVALID',
      /directory source requires a chain starting with tar/,
    );
    await encodeFails(dir, [], 'SOURCE_INVALID', /directory source requires a chain starting with tar/);
    await encodeFails(file, [OP.TAR], 'SOURCE_INVALID', /a tar chain needs a directory source/);
    await encodeFails(file, [OP.TAR, OP.ZSTD], 'SOURCE_INVALID', /a tar chain needs a directory source/);
    await encodeFails(join(tmp, 'missing'), [OP.GZIP], 'SOURCE_INVALID');
  });

  it('refuses symlinks leaving the source, absolute symlinks and special files', async () => {
    const out = join(tmp, 'escape');
    mkdirSync(out);
    symlinkSync('../../etc', join(out, 'up'));
    const err = await encodeFails(out, [OP.TAR], 'SOURCE_INVALID');
    assert.match(err.message, /up/);

    const abs = join(tmp, 'abs');
    mkdirSync(abs);
    symlinkSync('/etc/passwd', join(abs, 'pw'));
    await encodeFails(abs, [OP.TAR, OP.GZIP], 'SOURCE_INVALID', /pw/);

    const chained = join(tmp, 'chained');
    mkdirSync(chained);
    symlinkSync('.', join(chained, 'c'));
    symlinkSync('c/..', join(chained, 'b'));
    await encodeFails(chained, [OP.TAR], 'SOURCE_INVALID', /\bb\b/);

    const fifo = join(tmp, 'fifo');
    mkdirSync(fifo);
    execFileSync('mkfifo', [join(fifo, 'pipe')]);
    await encodeFails(fifo, [OP.TAR], 'SOURCE_INVALID', /pipe is a FIFO/);
  });

  it('refuses bad chains synchronously', () => {
    const isUnsupported = (e: unknown) => e instanceof FlavorError && e.code === 'UNSUPPORTED_OPERATION';
    assert.throws(() => encodeSlot(tmp, [OP.TAR, 0x42], {}), isUnsupported);
    assert.throws(() => encodeSlot(tmp, [0], {}), isUnsupported);
    assert.throws(() => encodeSlot(tmp, [OP.GZIP, OP.TAR], {}), isUnsupported);
    assert.throws(() => encodeSlot(tmp, [OP.TAR, OP.GZIP], { level: 12 }), isUnsupported);
    const path = process.env['PATH'];
    process.env['PATH'] = '';
    try {
      assert.throws(() => encodeSlot(tmp, [OP.TAR, OP.XZ], {}), isUnsupported);
      assert.throws(() => encodeSlot(tmp, [OP.TAR, OP.BZIP2], {}), isUnsupported);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('applies the chain exactly as declared (no gzip-magic sniffing)', async () => {
    const gz = writeTemp(tmp, 'already.gz', gzipSync(Buffer.from('inner')));
    const { bytes } = await encodeToBuffer(gz, [OP.GZIP]);
    const once = execFileSync('gzip', ['-dc'], { input: bytes });
    assert.deepEqual(once, gzipSync(Buffer.from('inner')));
  });
});
