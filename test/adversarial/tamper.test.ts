// Tamper matrix against the REAL launcher (test/cli/tamper.test.ts covers `flavor verify` alone): one byte
// changed in every region, truncation at every boundary, appended junk. For each damaged package:
// `flavor verify` refuses naming the region, and the launcher refuses (exit 102 format / 107 integrity, a
// coded message on stderr) and the app never runs (its marker file stays absent) — on a cold cache, and on
// a cache warmed by the genuine package where the change touches what is checked on every start.
// Documented exceptions (docs/security.md): informational index hints and descriptor bytes nothing acts on
// are unsigned; slot bytes and the launcher are hashed only on install, so a warm cache keeps running the
// tree that was verified when it was installed (the changed bytes are never read).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { descriptorField, fixIndexChecksum, indexStart, readIndex } from '../../scripts/vectors/mutate.js';
import { ERROR_CODES, type ErrorCode, EXIT_CODES, isFlavorError } from '../../src/errors.js';
import { DESCRIPTOR_FIELDS, INDEX_FIELDS, TRAILER_SIZE } from '../../src/format/index.js';
import { verifyPackage } from '../../src/reader/verify.js';
import {
  appPackage,
  cacheEntries,
  exists,
  launch,
  launcherBytes,
  launcherErrorCode,
  trustBlockOffset,
  writePackage,
} from '../helpers/adversarial.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

let work: string;
let genuine: Uint8Array;
let warmCache: string;
let caseNo = 0;

/** Launcher exit code of an error code (docs/errors.md "Launcher exit codes"). */
function launcherExit(code: string): number {
  const cat = ERROR_CODES[code as ErrorCode];
  if (cat === 'integrity' || cat === 'signature') return 107;
  return 102;
}

interface Outcome {
  /** Codes `flavor verify` may report (the first one decides the exit code). */
  codes: ErrorCode[];
  region: RegExp;
  /** Launcher codes when they differ from `codes`. */
  launcherCodes?: string[];
  /** On a warm cache the genuine tree runs (only for bytes hashed on install only). */
  warmRuns?: boolean;
}

async function write(bytes: Uint8Array): Promise<string> {
  return writePackage(path.join(work, `case-${caseNo++}.psp`), bytes);
}

/** `flavor verify` in process (the CLI prints `[details.region] message` and exits with EXIT_CODES). */
async function expectVerifyRefuses(file: string, o: Outcome): Promise<void> {
  const err = await verifyPackage(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isFlavorError(err), `verify accepted the package or failed oddly: ${String(err)}`);
  assert.ok(
    o.codes.includes(err.code),
    `verify: ${err.code} (${err.message}), expected ${o.codes.join('|')}`,
  );
  const region = err.details?.region;
  assert.equal(typeof region, 'string', `verify names no region: ${err.code} ${err.message}`);
  assert.match(region as string, o.region);
  assert.ok(EXIT_CODES[ERROR_CODES[err.code]] >= 10);
}

async function expectLauncherRefuses(file: string, cache: string, o: Outcome, warm: boolean): Promise<void> {
  const marker = `${file}.${warm ? 'warm' : 'cold'}.ran`;
  const before = await cacheEntries(cache);
  const r = await launch(file, { cache, home: work, env: { MARKER: marker } });
  const codes = o.launcherCodes ?? o.codes;
  const code = launcherErrorCode(r.stderr);
  assert.ok(
    code && codes.includes(code as ErrorCode),
    `launcher (${warm ? 'warm' : 'cold'}) said: ${r.stderr}`,
  );
  assert.equal(r.code, launcherExit(code!), r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(await exists(marker), false, 'the app ran');
  const after = await cacheEntries(cache);
  // Only a lock file may appear: never a workenv, staging folder or ready marker.
  assert.deepEqual(
    after.filter((n) => !before.includes(n) && !n.endsWith('.lock')),
    [],
    'refusal left cache entries',
  );
}

async function expectWarmRunsGenuine(file: string): Promise<void> {
  const marker = `${file}.warm.ran`;
  const r = await launch(file, { cache: warmCache, home: work, env: { MARKER: marker } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'genuine data\n');
}

/** The full check of one damaged package. */
async function refused(bytes: Uint8Array, o: Outcome): Promise<void> {
  const file = await write(bytes);
  await expectVerifyRefuses(file, o);
  await expectLauncherRefuses(file, path.join(work, `cold-${caseNo++}`), o, false);
  if (o.warmRuns) await expectWarmRunsGenuine(file);
  else await expectLauncherRefuses(file, warmCache, o, true);
}

const flip = (offset: number, fixAdler = false) => {
  const c = genuine.slice();
  c[offset] = c[offset]! ^ 0x01;
  return fixAdler ? fixIndexChecksum(c) : c;
};

before(async () => {
  work = await tempDir('flavor-adv-tamper-');
  genuine = appPackage({ data: 'genuine data\n' });
  warmCache = path.join(work, 'warm');
  const file = await write(genuine);
  const r = await launch(file, { cache: warmCache, home: work });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'genuine data\n');
  assert.equal((await cacheEntries(warmCache)).filter((n) => n.endsWith('.ready')).length, 1);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('one byte changed in each region', { concurrency: 6 }, () => {
  const ix = () => readIndex(genuine);
  const slot = (i: number) => {
    const d = Number(ix().slotTableOffset) + i * 64;
    const b = Buffer.from(genuine.buffer, genuine.byteOffset);
    return {
      offset: Number(b.readBigUInt64LE(d + DESCRIPTOR_FIELDS.offset)),
      size: Number(b.readBigUInt64LE(d + DESCRIPTOR_FIELDS.size)),
    };
  };

  test('launcher (an unused byte of its trust block: the binary still runs)', async () => {
    const at = trustBlockOffset(launcherBytes()) + 18 + 5;
    // The launcher is hashed on install only: a warm cache runs the verified tree (docs/security.md).
    await refused(flip(at), { codes: ['LAUNCHER_CHECKSUM'], region: /^launcher$/, warmRuns: true });
  });

  test('launcher (its trust-key count: would pin a garbage key)', async () => {
    const at = trustBlockOffset(launcherBytes()) + 17;
    // flavor verify reads the trust block as the launcher does, and trust comes before the launcher
    // hash (docs/format.md, Verification order): both refuse the key.
    await refused(flip(at), {
      codes: ['UNTRUSTED_KEY'],
      region: /^index\.public_key$/,
      launcherCodes: ['UNTRUSTED_KEY'],
    });
  });

  test('metadata (first, middle and last byte)', async () => {
    const start = Number(ix().metadataOffset);
    const size = Number(ix().metadataSize);
    await Promise.all(
      [start, start + (size >> 1), start + size - 1].map((at) =>
        refused(flip(at), { codes: ['METADATA_CHECKSUM'], region: /^metadata$/ }),
      ),
    );
  });

  test('metadata with its index checksum rewritten to match (gunzip, then signature)', async () => {
    const { createHash } = await import('node:crypto');
    const start = Number(ix().metadataOffset);
    const size = Number(ix().metadataSize);
    const c = genuine.slice();
    c[start + (size >> 1)] = c[start + (size >> 1)]! ^ 0x01;
    c.set(
      createHash('sha256')
        .update(c.subarray(start, start + size))
        .digest(),
      indexStart(c) + INDEX_FIELDS.metadataChecksum,
    );
    fixIndexChecksum(c);
    await refused(c, {
      codes: ['METADATA_COMPRESSION', 'SIGNATURE_INVALID', 'METADATA_JSON'],
      region: /^(metadata|index\.signature)$/,
    });
  });

  for (const i of [0, 1]) {
    test(`slot ${i} (first, middle and last stored byte)`, async () => {
      const s = slot(i);
      await Promise.all(
        [s.offset, s.offset + (s.size >> 1), s.offset + s.size - 1].map((at) =>
          refused(flip(at), {
            codes: ['SLOT_CHECKSUM'],
            region: new RegExp(`^slot\\[${i}\\]$`),
            warmRuns: true,
          }),
        ),
      );
    });
  }

  const descriptorRefusals: Array<[keyof typeof DESCRIPTOR_FIELDS, ErrorCode[]]> = [
    ['id', ['SLOT_TABLE_INVALID']],
    ['offset', ['SLOT_CHECKSUM', 'SLOT_OUT_OF_BOUNDS', 'SLOT_OVERLAP', 'LAYOUT_INVALID']],
    ['size', ['SLOT_CHECKSUM', 'SLOT_OUT_OF_BOUNDS', 'SLOT_OVERLAP', 'LAYOUT_INVALID']],
    ['originalSize', ['SLOT_TABLE_INVALID']],
    ['operations', ['UNKNOWN_OPERATION', 'SLOT_TABLE_INVALID']],
    ['checksum', ['SLOT_DESCRIPTOR_CHECKSUM']],
  ];
  for (const [field, codes] of descriptorRefusals) {
    test(`slot table: descriptor ${field} of slots 0 and 1`, async () => {
      await Promise.all(
        [0, 1].map(async (i) => {
          const at = descriptorField(genuine, i, DESCRIPTOR_FIELDS[field]);
          // The slot hashes (and the 8-byte descriptor checksum) are checked while installing only, so a
          // warm cache runs the verified tree. A moved slot that leaves a data byte outside every region
          // is refused by the padding check on every start (docs/format.md, step 11).
          const first = await verifyPackage(await write(flip(at))).then(
            () => undefined,
            (e: unknown) => (isFlavorError(e) ? e.code : undefined),
          );
          const warmRuns = first === 'SLOT_CHECKSUM' || first === 'SLOT_DESCRIPTOR_CHECKSUM';
          return refused(flip(at), { codes, region: /^(slot(_table)?\[\d\]|padding)$/, warmRuns });
        }),
      );
    });
  }

  test('slot table: permissions of a single-file slot whose signed metadata states them', async () => {
    const at = descriptorField(genuine, 1, DESCRIPTOR_FIELDS.permissions);
    await refused(flip(at), { codes: ['SLOT_TABLE_INVALID'], region: /^slot_table\[1\]$/ });
  });

  test('slot table: permissions of a single file whose signed metadata has none are ignored (mode 0600)', async () => {
    const body = Buffer.from('extra\n');
    const pkg = appPackage({
      extraSlots: [
        {
          id: 'extra',
          bytes: gzipSync(body),
          originalSize: body.length,
          operations: 'gzip',
          target: '{workenv}/extra.txt',
        },
      ],
    });
    const at = descriptorField(pkg, 2, DESCRIPTOR_FIELDS.permissions);
    Buffer.from(pkg.buffer, pkg.byteOffset).writeUInt16LE(0o777, at);
    const file = await write(pkg);
    const cache = path.join(work, `cold-${caseNo++}`);
    const r = await launch(file, { cache, home: work });
    assert.equal(r.code, 0, r.stderr);
    const id = (await cacheEntries(cache)).find((n) => n.endsWith('.ready'))!.slice(0, -'.ready'.length);
    const st = await fs.stat(path.join(cache, 'workenv', id, 'extra.txt'));
    assert.equal((st.mode & 0o777).toString(8), '600', 'the unsigned descriptor chose the file mode');
  });

  test('slot table: informational descriptor bytes are unsigned and change nothing that runs', async () => {
    // name_hash, purpose, lifecycle, priority, platform, reserved: upstream builders fill them differently,
    // so they are not compared; the launcher acts on the signed strings only (docs/format.md).
    const fields = [
      'nameHash',
      'purpose',
      'lifecycle',
      'priority',
      'platform',
      'reserved1',
      'reserved2',
    ] as const;
    await Promise.all(
      fields.map(async (field) => {
        const file = await write(flip(descriptorField(genuine, 0, DESCRIPTOR_FIELDS[field])));
        await expectWarmRunsGenuine(file);
        const cold = path.join(work, `cold-info-${field}`);
        const r = await launch(file, { cache: cold, home: work });
        assert.equal(r.stdout, 'genuine data\n', `${field}: ${r.stderr}`);
        // Same signed metadata → the same workenv id as the genuine package.
        assert.deepEqual(await cacheEntries(cold), await cacheEntries(warmCache));
      }),
    );
  });

  test('every index field, flipped at random (index checksum not fixed) → INDEX_CHECKSUM', async () => {
    // format_version is checked before the Adler-32; the padding, future_crypto and reserved bytes are
    // checked for zero first too (own tests below).
    const rest = Object.entries(INDEX_FIELDS).filter(
      ([name]) => !['formatVersion', 'padding', 'futureCrypto', 'reserved'].includes(name),
    );
    assert.ok(rest.length >= 33);
    await Promise.all(
      rest.map(([, off]) =>
        refused(flip(indexStart(genuine) + off), { codes: ['INDEX_CHECKSUM'], region: /^index/ }),
      ),
    );
  });

  const deliberate: Array<[keyof typeof INDEX_FIELDS, ErrorCode[], RegExp]> = [
    ['formatVersion', ['BAD_VERSION'], /^index\.format_version$/],
    ['packageSize', ['PACKAGE_SIZE_MISMATCH'], /^index\.package_size$/],
    ['launcherSize', ['LAYOUT_INVALID'], /^index\.launcher_size$/],
    ['metadataOffset', ['METADATA_CHECKSUM', 'LAYOUT_INVALID'], /^(metadata|index\.\w+)$/],
    ['metadataSize', ['METADATA_CHECKSUM', 'LAYOUT_INVALID'], /^(metadata|index\.\w+)$/],
    ['slotTableOffset', ['SLOT_TABLE_INVALID', 'LAYOUT_INVALID'], /^(slot_table\[0\]|index\.\w+)$/],
    ['slotTableSize', ['SLOT_TABLE_INVALID'], /^index\.slot_table$/],
    ['slotCount', ['SLOT_TABLE_INVALID', 'SLOT_COUNT_MISMATCH'], /^index\.slot_table$/],
    ['publicKey', ['SIGNATURE_INVALID'], /^index\.signature$/],
    ['metadataChecksum', ['METADATA_CHECKSUM'], /^metadata$/],
    ['signature', ['SIGNATURE_INVALID'], /^index\.signature$/],
    ['padding', ['LAYOUT_INVALID'], /^index\.padding$/],
    ['futureCrypto', ['LAYOUT_INVALID'], /^index\.\w+$/],
    // The first 64 reserved bytes are the key fingerprint field upstream 0.5.4 writes (docs/compat.md).
    ['reserved', ['KEY_FINGERPRINT_MISMATCH'], /^index\.key_fingerprint$/],
  ];
  for (const [field, codes, region] of deliberate) {
    test(`index ${field} edited with the index checksum recomputed`, async () => {
      await refused(flip(indexStart(genuine) + INDEX_FIELDS[field], true), { codes, region });
    });
  }

  test('reserved: the first byte after the key fingerprint field', async () => {
    await refused(flip(indexStart(genuine) + INDEX_FIELDS.reserved + 64, true), {
      codes: ['LAYOUT_INVALID'],
      region: /^index\.reserved$/,
    });
  });

  test('signature: the last signature byte and a byte of the 448 zero bytes after it', async () => {
    const sig = indexStart(genuine) + INDEX_FIELDS.signature;
    await refused(flip(sig + 63, true), { codes: ['SIGNATURE_INVALID'], region: /^index\.signature$/ });
    await refused(flip(sig + 64 + 100, true), {
      codes: ['LAYOUT_INVALID', 'SIGNATURE_INVALID'],
      region: /^index\.\w+$/,
    });
  });

  test('informational index hints edited with the checksum recomputed: accepted, same workenv, genuine app', async () => {
    const hints: Array<keyof typeof INDEX_FIELDS> = [
      'flags',
      'accessMode',
      'pageSize',
      'buildTimestamp',
      'capabilities',
    ];
    await Promise.all(
      hints.map(async (field) =>
        expectWarmRunsGenuine(await write(flip(indexStart(genuine) + INDEX_FIELDS[field], true))),
      ),
    );
  });

  test('both magics', async () => {
    const start = genuine.length - TRAILER_SIZE;
    await refused(flip(start), { codes: ['BAD_START_MAGIC'], region: /^(start|end)_magic$/ });
    await refused(flip(start + 2), { codes: ['BAD_START_MAGIC'], region: /^(start|end)_magic$/ });
    await refused(flip(genuine.length - 1), { codes: ['BAD_END_MAGIC'], region: /^(start|end)_magic$/ });
    await refused(flip(genuine.length - 4), { codes: ['BAD_END_MAGIC'], region: /^(start|end)_magic$/ });
  });
});

describe('truncation and appended junk', { concurrency: 6 }, () => {
  test('truncated at every region boundary: verify and the launcher refuse, nothing runs', async () => {
    const ix = readIndex(genuine);
    const points = new Set<number>([
      Number(ix.launcherSize),
      Number(ix.metadataOffset + ix.metadataSize),
      Number(ix.slotTableOffset),
      Number(ix.slotTableOffset + ix.slotTableSize),
      genuine.length - TRAILER_SIZE,
      genuine.length - TRAILER_SIZE + 4,
      genuine.length - 4,
      genuine.length - 1,
    ]);
    const lengths = [...points].sort((a, b) => a - b);
    await Promise.all(
      lengths.map(async (len) => {
        const bytes = genuine.subarray(0, len);
        const file = await write(bytes);
        const r = await runFlavor(['verify', file]);
        assert.equal(r.code, 10, `verify of ${len} bytes: ${r.stderr}`);
        assert.match(r.stderr, /^flavor: error: \[\S+\] /m);
        for (const cache of [path.join(work, `cold-trunc-${len}`), warmCache]) {
          const marker = `${file}.ran`;
          const l = await launch(file, { cache, home: work, env: { MARKER: marker } });
          assert.equal(l.code, 102, `launch of ${len} bytes: ${l.stderr}`);
          assert.match(l.stderr, /: error: /);
          assert.equal(await exists(marker), false);
        }
      }),
    );
  });

  const junk: Array<[string, () => Uint8Array]> = [
    ['one zero byte', () => Buffer.concat([genuine, Buffer.alloc(1)])],
    ['4 KiB of text', () => Buffer.concat([genuine, Buffer.alloc(4096, 'junk')])],
    [
      'a copy of the trailer',
      () => Buffer.concat([genuine, genuine.subarray(genuine.length - TRAILER_SIZE)]),
    ],
    [
      'a zip file signature block',
      () => Buffer.concat([genuine, Buffer.from('PK\x05\x06'), Buffer.alloc(18)]),
    ],
  ];
  for (const [name, make] of junk) {
    test(`appended ${name}: verify and the launcher refuse, nothing runs`, async () => {
      const file = await write(make());
      const r = await runFlavor(['verify', file]);
      assert.equal(r.code, 10, r.stderr);
      for (const cache of [path.join(work, `cold-junk-${caseNo++}`), warmCache]) {
        const marker = `${file}.ran`;
        const l = await launch(file, { cache, home: work, env: { MARKER: marker } });
        assert.equal(l.code, 102, l.stderr);
        // Junk hides the trailer: the launcher sees no package at all ("no package appended", exit 102).
        assert.match(
          l.stderr,
          /no package appended|\[(BAD_START_MAGIC|BAD_END_MAGIC|PACKAGE_SIZE_MISMATCH)\]/,
        );
        assert.equal(await exists(marker), false);
      }
    });
  }
});
