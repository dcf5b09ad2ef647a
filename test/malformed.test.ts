// Seeded, deterministic mutation fuzzing of the valid shared vectors (testdata/vectors/ok-*.vec).
// Every mutation must end in verifyPackage() either throwing a FlavorError with a known, non-INTERNAL code,
// or succeeding — and success is accepted only when the mutated bytes are provably unused by every
// reader (informational index fields whose Adler-32 was re-computed; see HARMLESS below).
//
// FLAVOR_FUZZ_SEED (default 20251125) and FLAVOR_FUZZ_COUNT (random flips per vector, default 400) control
// the run; e.g. FLAVOR_FUZZ_COUNT=20000 for a long run.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fixIndexChecksum, indexStart, readIndex } from '../scripts/vectors/mutate.js';
import { fingerprint } from '../src/crypto/keys.js';
import { ERROR_CODES, isFlavorError } from '../src/errors.js';
import {
  DESCRIPTOR_FIELDS,
  DESCRIPTOR_SIZE,
  INDEX_FIELDS,
  INDEX_SIZE,
  type PackageMetadata,
  TRAILER_SIZE,
} from '../src/format/index.js';
import { verifyPackage } from '../src/reader/verify.js';
import { prng } from './helpers/prng.js';
import { readVectors, type VectorFile } from './helpers/vectors.js';

const SEED = Number(process.env.FLAVOR_FUZZ_SEED ?? 20251125) >>> 0;
const COUNT = Number(process.env.FLAVOR_FUZZ_COUNT ?? 400);
const CASE_LIMIT_MS = 5000;

interface Region {
  name: string;
  start: number;
  end: number;
}

/**
 * Index fields no reader uses for anything (informational hints, build provenance, reserved space).
 * A flip there with the Adler-32 re-computed is provably harmless; anywhere else success is a bug.
 */
const HARMLESS_INDEX_FIELDS: Array<[number, number]> = [
  [INDEX_FIELDS.flags, 4],
  [INDEX_FIELDS.accessMode, INDEX_FIELDS.padding - INDEX_FIELDS.accessMode], // 640..691 hints
  [INDEX_FIELDS.buildTimestamp, INDEX_SIZE - INDEX_FIELDS.buildTimestamp], // 704..8191
];

/** What the signed metadata leaves unstated, so the matching unsigned bytes are used by no reader. */
interface Unstated {
  /** Per slot: permissions null (extraction then uses 0600). */
  permissions: boolean[];
  /** Per slot: no original_size (upstream's Go and Rust builders; the decode cap is then 64 × stored + 1 GiB). */
  originalSize: boolean[];
  /** No launcher.checksum (upstream's Go builder): the launcher bytes are not covered. */
  launcher: boolean;
}

function unstatedIn(metadata: PackageMetadata): Unstated {
  return {
    permissions: metadata.slots.map((s) => typeof s.permissions !== 'string'),
    originalSize: metadata.slots.map((s) => s.original_size === undefined),
    launcher: metadata.launcher?.checksum === undefined,
  };
}

/**
 * Descriptor bytes no reader uses: name_hash, and purpose/lifecycle/priority/platform/reserved (the signed
 * metadata strings are used instead). Permissions and original_size are unused when the signed metadata
 * does not state them; when it does, they must match. The launcher is unchecked when unsigned.
 */
function harmlessRanges(pkg: Uint8Array, unstated: Unstated): Array<[number, number]> {
  const at = indexStart(pkg);
  const ranges: Array<[number, number]> = HARMLESS_INDEX_FIELDS.map(([f, size]) => [at + f, at + f + size]);
  const index = readIndex(pkg);
  for (let i = 0; i < index.slotCount; i++) {
    const d = Number(index.slotTableOffset) + i * DESCRIPTOR_SIZE;
    ranges.push([d + DESCRIPTOR_FIELDS.nameHash, d + DESCRIPTOR_FIELDS.nameHash + 8]);
    ranges.push([d + DESCRIPTOR_FIELDS.purpose, d + DESCRIPTOR_FIELDS.permissions]);
    if (unstated.permissions[i]) ranges.push([d + DESCRIPTOR_FIELDS.permissions, d + DESCRIPTOR_SIZE]);
    if (unstated.originalSize[i]) {
      ranges.push([d + DESCRIPTOR_FIELDS.originalSize, d + DESCRIPTOR_FIELDS.originalSize + 8]);
    }
  }
  if (unstated.launcher) ranges.push([0, Number(index.launcherSize)]);
  return ranges;
}

function isHarmless(
  pkg: Uint8Array,
  ranges: Array<[number, number]>,
  offsets: number[],
  fixedIndex: boolean,
): boolean {
  const at = indexStart(pkg);
  return offsets.every((o) => {
    const inIndex = o >= at && o < at + INDEX_SIZE;
    if (inIndex && !fixedIndex) return false;
    // with the checksum re-computed, the checksum field itself only follows the other edits
    if (fixedIndex && o >= at + INDEX_FIELDS.indexChecksum && o < at + INDEX_FIELDS.indexChecksum + 4)
      return true;
    return ranges.some(([s, e]) => o >= s && o < e);
  });
}

function regions(pkg: Uint8Array): Region[] {
  const index = readIndex(pkg);
  const trailer = pkg.length - TRAILER_SIZE;
  const out: Region[] = [
    { name: 'launcher', start: 0, end: Number(index.launcherSize) },
    {
      name: 'metadata',
      start: Number(index.metadataOffset),
      end: Number(index.metadataOffset + index.metadataSize),
    },
    { name: 'start_magic', start: trailer, end: trailer + 4 },
    { name: 'index', start: trailer + 4, end: trailer + 4 + INDEX_SIZE },
    { name: 'end_magic', start: pkg.length - 4, end: pkg.length },
  ];
  if (index.slotCount > 0) {
    const table = Number(index.slotTableOffset);
    out.push({ name: 'slot_table', start: table, end: table + index.slotCount * DESCRIPTOR_SIZE });
    const view = Buffer.from(pkg.buffer, pkg.byteOffset, pkg.byteLength);
    for (let i = 0; i < index.slotCount; i++) {
      const d = table + i * DESCRIPTOR_SIZE;
      const offset = Number(view.readBigUInt64LE(d + DESCRIPTOR_FIELDS.offset));
      const size = Number(view.readBigUInt64LE(d + DESCRIPTOR_FIELDS.size));
      if (size > 0) out.push({ name: `slot[${i}]`, start: offset, end: offset + size });
    }
  }
  return out.filter((r) => r.end > r.start);
}

interface Mutation {
  label: string;
  bytes: Uint8Array;
  /** Success is acceptable (the mutation is provably harmless). */
  harmless: boolean;
  trustedKey?: string;
}

function* mutations(v: VectorFile, rand: () => number, unstated: Unstated): Generator<Mutation> {
  const pkg = v.bytes;
  const harmless = harmlessRanges(pkg, unstated);
  const regs = regions(pkg);
  const pick = (n: number) => Math.floor(rand() * n);
  const base = { trustedKey: v.trustedKey };

  // 1. bit flips: sampled offsets in every region, with and without re-computing the index Adler-32
  for (const r of regs) {
    const samples = new Set([r.start, r.end - 1, r.start + ((r.end - r.start) >> 1)]);
    while (samples.size < Math.min(r.end - r.start, 8)) samples.add(r.start + pick(r.end - r.start));
    for (const offset of samples) {
      for (const fix of [false, true]) {
        const bytes = pkg.slice();
        bytes[offset] = bytes[offset]! ^ (1 << pick(8));
        if (fix) fixIndexChecksum(bytes);
        yield {
          ...base,
          label: `flip ${r.name}@${offset} fix=${fix}`,
          bytes,
          harmless: isHarmless(pkg, harmless, [offset], fix),
        };
      }
    }
  }
  // random flips anywhere (1–3 bytes), half of them with the index checksum fixed
  for (let i = 0; i < COUNT; i++) {
    const bytes = pkg.slice();
    const offsets = Array.from({ length: 1 + pick(3) }, () => pick(pkg.length));
    for (const o of offsets) bytes[o] = bytes[o]! ^ (1 + pick(255));
    const fix = rand() < 0.5;
    if (fix) fixIndexChecksum(bytes);
    const changed = offsets.filter((o) => bytes[o] !== pkg[o]);
    const ok = changed.length === 0 || isHarmless(pkg, harmless, changed, fix) || sameAsOriginal(bytes, pkg);
    yield { ...base, label: `random flips ${offsets.join(',')} fix=${fix}`, bytes, harmless: ok };
  }

  // 2. truncation at every region boundary ±1
  const cuts = new Set<number>();
  for (const r of regs) for (const p of [r.start, r.end]) for (const d of [-1, 0, 1]) cuts.add(p + d);
  for (const len of cuts) {
    if (len < 0 || len >= pkg.length) continue;
    yield { ...base, label: `truncate to ${len}`, bytes: pkg.slice(0, len), harmless: false };
  }

  // 3. every u64 length/offset field of the index and of each descriptor: ±1, 0, huge, 2^63
  const index = readIndex(pkg);
  const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const u64Fields: Array<[string, number]> = [];
  const at = indexStart(pkg);
  for (const f of [
    'packageSize',
    'launcherSize',
    'metadataOffset',
    'metadataSize',
    'slotTableOffset',
    'slotTableSize',
  ] as const) {
    u64Fields.push([`index.${f}`, at + INDEX_FIELDS[f]]);
  }
  for (let i = 0; i < index.slotCount; i++) {
    const d = Number(index.slotTableOffset) + i * DESCRIPTOR_SIZE;
    for (const f of ['id', 'offset', 'size', 'originalSize', 'operations', 'checksum'] as const) {
      u64Fields.push([`slot_table[${i}].${f}`, d + DESCRIPTOR_FIELDS[f]]);
    }
  }
  for (const [name, offset] of u64Fields) {
    const current = view(pkg).readBigUInt64LE(offset);
    const values = new Set<bigint>([
      current + 1n,
      current - 1n,
      0n,
      0xffff_ffffn,
      0x1_0000_0000n + current,
      1n << 53n,
      (1n << 63n) - 1n,
      1n << 63n,
      0xffff_ffff_ffff_ffffn,
    ]);
    for (const value of values) {
      if (value < 0n || value > 0xffff_ffff_ffff_ffffn || value === current) continue;
      for (const fix of [true, false]) {
        const bytes = pkg.slice();
        view(bytes).writeBigUInt64LE(value, offset);
        if (fix) fixIndexChecksum(bytes);
        // descriptors are outside the index: "fix" only matters for index fields
        if (!fix && !name.startsWith('index.')) continue;
        yield {
          ...base,
          label: `${name}=${value} fix=${fix}`,
          bytes,
          harmless: isHarmless(pkg, harmless, [offset], fix),
        };
      }
    }
  }
  // slot_count (u32) too
  for (const value of [0, index.slotCount + 1, 0xffff_ffff, 65537]) {
    if (value === index.slotCount) continue;
    const bytes = pkg.slice();
    view(bytes).writeUInt32LE(value, at + INDEX_FIELDS.slotCount);
    yield { ...base, label: `index.slotCount=${value}`, bytes: fixIndexChecksum(bytes), harmless: false };
  }

  // 4. appended junk
  for (const junk of [
    new Uint8Array(1),
    new Uint8Array(7).fill(0xff),
    pkg.slice(pkg.length - TRAILER_SIZE),
    pkg.slice(pkg.length - 4),
  ]) {
    const bytes = new Uint8Array(pkg.length + junk.length);
    bytes.set(pkg);
    bytes.set(junk, pkg.length);
    yield { ...base, label: `append ${junk.length} bytes`, bytes, harmless: false };
  }
}

function sameAsOriginal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-fuzz-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test(`mutation fuzzing of the ok-* vectors (seed ${SEED}, ${COUNT} random flips each)`, {
  timeout: Math.max(120_000, COUNT * 40),
}, async (t) => {
  const vectors = readVectors().filter((v) => v.expect === 'success');
  assert.ok(vectors.length >= 5, 'expected the ok-* vectors');
  const rand = prng(SEED);
  const file = path.join(dir, 'case.psp');
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  let total = 0;
  let harmlessPassed = 0;
  const codes = new Map<string, number>();
  const failures: string[] = [];
  const started = Date.now();

  for (const v of vectors) {
    // the unmutated vector must pass, or every "refused" below proves nothing
    const trustedKeys = v.trustedKey
      ? [{ fingerprint: fingerprint(new Uint8Array(Buffer.from(v.trustedKey, 'hex'))) }]
      : [];
    await fs.writeFile(file, v.bytes);
    const report = await verifyPackage(file, { trustedKeys });
    const unstated = unstatedIn(report.package.metadata);

    for (const m of mutations(v, rand, unstated)) {
      total++;
      await fs.writeFile(file, m.bytes);
      const t0 = Date.now();
      let outcome: string;
      try {
        await verifyPackage(file, { trustedKeys });
        outcome = 'success';
        if (m.harmless) harmlessPassed++;
        else failures.push(`${v.name}: ${m.label}: verified although mutated`);
      } catch (err) {
        if (!isFlavorError(err)) {
          outcome = `${(err as Error)?.constructor?.name ?? typeof err}`;
          failures.push(`${v.name}: ${m.label}: threw ${outcome}: ${(err as Error)?.message}`);
        } else {
          outcome = err.code;
          if (!(err.code in ERROR_CODES) || err.code === 'INTERNAL') {
            failures.push(`${v.name}: ${m.label}: ${err.code}: ${err.message}`);
          }
        }
      }
      const ms = Date.now() - t0;
      if (ms > CASE_LIMIT_MS) failures.push(`${v.name}: ${m.label}: took ${ms} ms`);
      codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
      if (total % 256 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (failures.length > 20) break;
    }
  }
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const elapsed = Date.now() - started;
  const summary = [...codes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([c, k]) => `${c}=${k}`)
    .join(' ');
  assert.deepEqual(failures, [], `seed ${SEED}: ${failures.length} bad outcomes\n${summary}`);
  assert.ok(total >= 2000, `only ${total} mutations ran`);
  assert.ok(
    rssPeak - rssStart < 200 * 1024 * 1024,
    `rss grew by ${Math.round((rssPeak - rssStart) / 1048576)} MiB`,
  );
  // every refusal category we expect to reach was reached (the mutations get past the first check)
  for (const code of [
    'INDEX_CHECKSUM',
    'SLOT_CHECKSUM',
    'METADATA_CHECKSUM',
    'LAYOUT_INVALID',
    'SIGNATURE_INVALID',
  ]) {
    assert.ok(codes.has(code), `no mutation reached ${code}: ${summary}`);
  }
  t.diagnostic(`${total} mutations in ${elapsed} ms (${harmlessPassed} harmless passed): ${summary}`);
});
