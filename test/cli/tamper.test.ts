// `flavor verify` on damaged packages: one flipped byte in every region, truncation at every region
// boundary, appended bytes, and the trust decision (--key, FLAVOR_TRUSTED_KEYS). Each refusal must exit with
// the exit code of its category (src/errors.ts) and name the region on stderr ("[region]").

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adler32 } from '../../src/crypto/digest.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { ERROR_CODES, type ErrorCode, EXIT_CODES } from '../../src/errors.js';
import {
  DESCRIPTOR_FIELDS,
  DESCRIPTOR_SIZE,
  decodeIndexBlock,
  INDEX_FIELDS,
  INDEX_SIZE,
  type IndexBlock,
  indexChecksumInput,
  TRAILER_SIZE,
} from '../../src/format/index.js';
import { parseJson, runFlavor, tempDir, writeJson, writeLauncher, writeTree } from '../helpers/cli.js';

const SEED = 'tamper-test-seed';
const KEY = signingKeyFromSeedText(SEED);
const OTHER = signingKeyFromSeedText('someone-else');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let work: string;
let original: Buffer;
let index: IndexBlock;
let slots: Array<{ offset: number; size: number }>;
let caseNo = 0;

const exitOf = (code: ErrorCode) => EXIT_CODES[ERROR_CODES[code]];
const indexAt = () => original.length - TRAILER_SIZE + 4;

function fixAdler(buf: Buffer): Buffer {
  const at = buf.length - TRAILER_SIZE + 4;
  const block = buf.subarray(at, at + INDEX_SIZE);
  block.writeUInt32LE(adler32(indexChecksumInput(block)), INDEX_FIELDS.indexChecksum);
  return buf;
}

function flip(offset: number, fix = false): Buffer {
  const copy = Buffer.from(original);
  copy[offset] = copy[offset]! ^ 0x5a;
  return fix ? fixAdler(copy) : copy;
}

async function verifyBytes(bytes: Uint8Array, extra: string[] = [], env: Record<string, string> = {}) {
  const file = path.join(work, `case-${caseNo++}.psp`);
  await fs.writeFile(file, bytes);
  return runFlavor(['verify', file, ...extra], { env });
}

interface Expect {
  code: ErrorCode;
  region?: RegExp;
}

async function expectRefused(bytes: Uint8Array, expected: Expect): Promise<void> {
  const r = await verifyBytes(bytes, ['--json']);
  const doc = parseJson(r.stdout);
  const err = doc.error as { code: string; message: string };
  assert.equal(doc.ok, false);
  assert.equal(err.code, expected.code, `${err.code}: ${err.message}`);
  assert.equal(r.code, exitOf(expected.code), r.stderr);
  assert.match(r.stderr, /^flavor: error: /m);
  if (expected.region) {
    const m = /^flavor: error: \[(\S+)\] /m.exec(r.stderr);
    assert.ok(m, `stderr names no region: ${r.stderr}`);
    assert.match(m[1]!, expected.region);
  }
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');
}

before(async () => {
  work = await tempDir();
  const launcher = await writeLauncher(work);
  await fs.writeFile(path.join(work, 'tool.txt'), 'x'.repeat(3000));
  await writeTree(path.join(work, 'app'), { 'bin/run': '#!/bin/sh\necho run\n', 'data/a.txt': 'a\n' });
  await writeJson(path.join(work, 'm.json'), {
    package: { name: 'tamper', version: '1.0' },
    execution: { command: '{workenv}/bin/run' },
    slots: [
      { id: 'tool', source: 'tool.txt', target: '{workenv}/tool.txt', operations: 'gzip' },
      { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' },
      { id: 'plain', source: 'tool.txt', target: '{workenv}/plain.txt', operations: 'raw' },
    ],
  });
  const r = await runFlavor(
    ['pack', '-m', 'm.json', '-o', 'good.psp', '--launcher-bin', launcher, '--key-seed', SEED],
    { cwd: work },
  );
  assert.equal(r.code, 0, r.stderr);
  original = await fs.readFile(path.join(work, 'good.psp'));
  index = decodeIndexBlock(original.subarray(indexAt(), indexAt() + INDEX_SIZE));
  slots = [0, 1, 2].map((i) => {
    const d = Number(index.slotTableOffset) + i * DESCRIPTOR_SIZE;
    return {
      offset: Number(original.readBigUInt64LE(d + DESCRIPTOR_FIELDS.offset)),
      size: Number(original.readBigUInt64LE(d + DESCRIPTOR_FIELDS.size)),
    };
  });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('the untouched package verifies (control)', async () => {
  const r = await verifyBytes(original);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(index.slotCount, 3);
});

describe('one flipped byte in each region', { concurrency: 4 }, () => {
  const desc = (i: number, field: number) => Number(index.slotTableOffset) + i * DESCRIPTOR_SIZE + field;
  const idx = (field: number) => indexAt() + field;
  const cases: Array<[string, () => Buffer, Expect]> = [
    ['launcher first byte', () => flip(0), { code: 'LAUNCHER_CHECKSUM', region: /^launcher$/ }],
    [
      'launcher last byte',
      () => flip(Number(index.launcherSize) - 1),
      { code: 'LAUNCHER_CHECKSUM', region: /^launcher$/ },
    ],
    [
      'metadata first byte',
      () => flip(Number(index.metadataOffset)),
      { code: 'METADATA_CHECKSUM', region: /^metadata$/ },
    ],
    [
      'metadata last byte',
      () => flip(Number(index.metadataOffset + index.metadataSize) - 1),
      { code: 'METADATA_CHECKSUM', region: /^metadata$/ },
    ],
    [
      'descriptor 0 id',
      () => flip(desc(0, DESCRIPTOR_FIELDS.id)),
      { code: 'SLOT_TABLE_INVALID', region: /^slot_table\[0\]$/ },
    ],
    [
      'descriptor 1 offset (high byte)',
      () => flip(desc(1, DESCRIPTOR_FIELDS.offset + 7)),
      { code: 'SLOT_OUT_OF_BOUNDS', region: /^slot_table\[1\]$/ },
    ],
    [
      'descriptor 1 size',
      () => flip(desc(1, DESCRIPTOR_FIELDS.size + 6)),
      { code: 'SLOT_OUT_OF_BOUNDS', region: /^slot_table\[1\]$/ },
    ],
    [
      'descriptor 2 operations',
      () => flip(desc(2, DESCRIPTOR_FIELDS.operations)),
      { code: 'UNKNOWN_OPERATION' },
    ],
    [
      'descriptor 0 checksum',
      () => flip(desc(0, DESCRIPTOR_FIELDS.checksum)),
      { code: 'SLOT_DESCRIPTOR_CHECKSUM', region: /^slot_table\[0\]$/ },
    ],
    ['slot 0 data', () => flip(slots[0]!.offset + 5), { code: 'SLOT_CHECKSUM', region: /^slot\[0\]$/ }],
    [
      'slot 1 data',
      () => flip(slots[1]!.offset + slots[1]!.size - 1),
      { code: 'SLOT_CHECKSUM', region: /^slot\[1\]$/ },
    ],
    ['slot 2 data', () => flip(slots[2]!.offset), { code: 'SLOT_CHECKSUM', region: /^slot\[2\]$/ }],
    [
      'start magic',
      () => flip(original.length - TRAILER_SIZE),
      { code: 'BAD_START_MAGIC', region: /^start_magic$/ },
    ],
    ['end magic', () => flip(original.length - 1), { code: 'BAD_END_MAGIC', region: /^end_magic$/ }],
    [
      'index checksum field',
      () => flip(idx(INDEX_FIELDS.indexChecksum)),
      { code: 'INDEX_CHECKSUM', region: /^index$/ },
    ],
    [
      'index package_size, checksum not fixed',
      () => flip(idx(INDEX_FIELDS.packageSize)),
      { code: 'INDEX_CHECKSUM', region: /^index$/ },
    ],
    [
      'index reserved, checksum not fixed',
      () => flip(idx(INDEX_FIELDS.reserved + 100)),
      { code: 'INDEX_CHECKSUM', region: /^index$/ },
    ],
    [
      'index format_version',
      () => flip(idx(INDEX_FIELDS.formatVersion), true),
      { code: 'BAD_VERSION', region: /^index\.format_version$/ },
    ],
    [
      'index package_size',
      () => flip(idx(INDEX_FIELDS.packageSize), true),
      { code: 'PACKAGE_SIZE_MISMATCH', region: /^index\.package_size$/ },
    ],
    [
      'index launcher_size',
      // the high byte: the launcher would end past the metadata whatever the launcher's real size
      () => flip(idx(INDEX_FIELDS.launcherSize + 3), true),
      { code: 'LAYOUT_INVALID', region: /^index\.launcher_size$/ },
    ],
    [
      'index metadata_size',
      () => flip(idx(INDEX_FIELDS.metadataSize + 3), true),
      { code: 'LAYOUT_INVALID', region: /^index\.metadata$/ },
    ],
    [
      'index slot_table_offset',
      () => flip(idx(INDEX_FIELDS.slotTableOffset + 4), true),
      { code: 'LAYOUT_INVALID', region: /^index\.slot_table_offset$/ },
    ],
    [
      'index slot_table_size',
      () => flip(idx(INDEX_FIELDS.slotTableSize), true),
      { code: 'SLOT_TABLE_INVALID', region: /^index\.slot_table$/ },
    ],
    [
      'index slot_count',
      () => flip(idx(INDEX_FIELDS.slotCount), true),
      { code: 'SLOT_TABLE_INVALID', region: /^index\.slot_table$/ },
    ],
    [
      'index metadata checksum',
      () => flip(idx(INDEX_FIELDS.metadataChecksum + 9), true),
      { code: 'METADATA_CHECKSUM', region: /^metadata$/ },
    ],
    [
      'signature',
      () => flip(idx(INDEX_FIELDS.signature + 10), true),
      { code: 'SIGNATURE_INVALID', region: /^index\.signature$/ },
    ],
    [
      'signature, checksum not fixed',
      () => flip(idx(INDEX_FIELDS.signature + 10)),
      { code: 'INDEX_CHECKSUM', region: /^index$/ },
    ],
    [
      'signature padding',
      () => flip(idx(INDEX_FIELDS.signature + 100), true),
      { code: 'LAYOUT_INVALID', region: /^index\.signature_padding$/ },
    ],
    [
      'index padding',
      () => flip(idx(INDEX_FIELDS.padding + 1), true),
      { code: 'LAYOUT_INVALID', region: /^index\.padding$/ },
    ],
    [
      'public key',
      () => flip(idx(INDEX_FIELDS.publicKey + 3), true),
      { code: 'SIGNATURE_INVALID', region: /^index\.(public_key|signature)$/ },
    ],
  ];
  for (const [name, make, expected] of cases) {
    test(name, () => expectRefused(make(), expected));
  }

  test('alignment padding between regions carries no data', async () => {
    // the gap between the end of slot 0 and the 8-aligned start of slot 1 (or after the metadata)
    const gaps: number[] = [];
    const metaEnd = Number(index.metadataOffset + index.metadataSize);
    if (Number(index.slotTableOffset) > metaEnd) gaps.push(metaEnd);
    for (let i = 0; i + 1 < slots.length; i++) {
      const end = slots[i]!.offset + slots[i]!.size;
      if (slots[i + 1]!.offset > end) gaps.push(end);
    }
    assert.ok(gaps.length > 0, 'fixture has no padding to tamper with');
    for (const at of gaps) await expectRefused(flip(at), { code: 'LAYOUT_INVALID', region: /^padding$/ });
  });
});

describe('truncation and appended bytes', { concurrency: 4 }, () => {
  const boundaries = () => {
    const points = new Set<number>([
      0,
      1,
      Number(index.launcherSize),
      Number(index.metadataOffset + index.metadataSize),
      Number(index.slotTableOffset),
      Number(index.slotTableOffset + index.slotTableSize),
      ...slots.flatMap((s) => [s.offset, s.offset + s.size]),
      original.length - TRAILER_SIZE,
      original.length - TRAILER_SIZE + 4,
      original.length - 4,
      original.length - 1,
    ]);
    return [...points].filter((p) => p < original.length).sort((a, b) => a - b);
  };

  test('truncated at every region boundary → refused with a format error (exit 10)', async () => {
    const points = boundaries();
    assert.ok(points.length >= 10);
    await Promise.all(
      points.map(async (len) => {
        const r = await verifyBytes(original.subarray(0, len), ['--json']);
        const err = parseJson(r.stdout).error as { code: ErrorCode };
        assert.equal(r.code, 10, `truncated to ${len}: ${r.stderr}`);
        assert.ok(
          ['FILE_TOO_SMALL', 'BAD_START_MAGIC', 'BAD_END_MAGIC'].includes(err.code),
          `${len}: ${err.code}`,
        );
        if (len < TRAILER_SIZE) assert.equal(err.code, 'FILE_TOO_SMALL');
      }),
    );
  });

  const junk: Array<[string, () => Buffer, ErrorCode[]]> = [
    ['one zero byte', () => Buffer.concat([original, Buffer.alloc(1)]), ['BAD_START_MAGIC', 'BAD_END_MAGIC']],
    [
      '4 KiB of text',
      () => Buffer.concat([original, Buffer.alloc(4096, 'junk')]),
      ['BAD_START_MAGIC', 'BAD_END_MAGIC'],
    ],
    [
      'a second copy of the trailer',
      () => Buffer.concat([original, original.subarray(original.length - TRAILER_SIZE)]),
      ['PACKAGE_SIZE_MISMATCH'],
    ],
    ['the whole package twice', () => Buffer.concat([original, original]), ['PACKAGE_SIZE_MISMATCH']],
  ];
  for (const [name, make, codes] of junk) {
    test(`appended ${name} → refused`, async () => {
      const r = await verifyBytes(make(), ['--json']);
      const err = parseJson(r.stdout).error as { code: ErrorCode };
      assert.ok(codes.includes(err.code), err.code);
      assert.equal(r.code, 10);
    });
  }
});

describe('trust', { concurrency: 4 }, () => {
  test('--key with the right raw key → signed by trusted key', async () => {
    const r = await verifyBytes(original, ['--key', hex(KEY.publicKeyRaw)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tamper 1\.0: verified, signed by trusted key sha256:[0-9a-f]{64}/);
  });

  test('--key with the right fingerprint → trusted; --json says trust: trusted', async () => {
    const fp = `sha256:${Buffer.from(await crypto.subtle.digest('SHA-256', KEY.publicKeyRaw)).toString('hex')}`;
    const r = await verifyBytes(original, ['--key', fp, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.trust, 'trusted');
    assert.equal(doc.fingerprint, fp);
  });

  test('--key with a PEM public key file → trusted', async () => {
    const pem = path.join(work, 'pub.pem');
    await fs.writeFile(pem, KEY.publicKey.export({ format: 'pem', type: 'spki' }) as string);
    const r = await verifyBytes(original, ['--key', pem]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /signed by trusted key/);
  });

  test('--key with a wrong key → UNTRUSTED_KEY, exit 12', async () => {
    const r = await verifyBytes(original, ['--key', hex(OTHER.publicKeyRaw)]);
    assert.equal(r.code, 12);
    assert.equal(exitOf('UNTRUSTED_KEY'), 12);
    assert.match(
      r.stderr,
      /flavor: error: \[index\.public_key\] the package is signed by sha256:[0-9a-f]{64}, which is not a trusted key/,
    );
    assert.doesNotMatch(r.stdout, /verified/);
  });

  test('several --key values: any one matching is enough', async () => {
    const r = await verifyBytes(original, ['--key', hex(OTHER.publicKeyRaw), '--key', hex(KEY.publicKeyRaw)]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('FLAVOR_TRUSTED_KEYS with the right key → trusted', async () => {
    const r = await verifyBytes(original, [], {
      FLAVOR_TRUSTED_KEYS: `${hex(OTHER.publicKeyRaw)}, ${hex(KEY.publicKeyRaw)}`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /signed by trusted key/);
  });

  test('FLAVOR_TRUSTED_KEYS with only a wrong key → exit 12', async () => {
    const r = await verifyBytes(original, ['--json'], { FLAVOR_TRUSTED_KEYS: hex(OTHER.publicKeyRaw) });
    assert.equal(r.code, 12);
    assert.equal((parseJson(r.stdout).error as { code: string }).code, 'UNTRUSTED_KEY');
  });

  test('a malformed --key is refused before anything is trusted', async () => {
    const r = await verifyBytes(original, ['--key', path.join(work, 'no-such-key.pem')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /flavor: error: /);
    assert.doesNotMatch(r.stdout, /verified/);
  });

  test('a package re-signed by another key with the right fingerprint claimed is still refused', async () => {
    // swap only the public key for OTHER's: the signature no longer matches
    const copy = Buffer.from(original);
    Buffer.from(OTHER.publicKeyRaw).copy(copy, indexAt() + INDEX_FIELDS.publicKey);
    await expectRefused(fixAdler(copy), { code: 'SIGNATURE_INVALID', region: /^index\.signature$/ });
  });
});
