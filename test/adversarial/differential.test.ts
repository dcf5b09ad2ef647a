// Differential test (issue 11): seeded random mutations of valid packages, each checked by `flavor
// verify` (verifyPackage, in process) and by the real launcher's verify mode
// (FLAVOR_LAUNCHER_CLI=1 <launcher> verify --json FILE..., many files per process). Any input one
// accepts and the other refuses, or that both refuse with different codes, fails the test with its seed
// and mutation. FLAVOR_DIFF_COUNT (default 2400) and FLAVOR_DIFF_SEED (default 20261202) select the
// run; a long run: FLAVOR_DIFF_COUNT=100000 FLAVOR_DIFF_SEED=$RANDOM.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { assemble, type VectorSlot } from '../../scripts/vectors/assemble.js';
import { fixIndexChecksum, indexStart, readIndex } from '../../scripts/vectors/mutate.js';
import { sha256 } from '../../src/crypto/digest.js';
import { signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { isFlavorError } from '../../src/errors.js';
import {
  DESCRIPTOR_SIZE,
  INDEX_FIELDS,
  INDEX_SIZE,
  type IndexBlock,
  TRUST_BLOCK_SIZE,
  TRUST_MAGIC,
} from '../../src/format/index.js';
import { verifyPackage } from '../../src/reader/verify.js';
import { LAUNCHER_BIN, launcherBytes } from '../helpers/adversarial.js';
import { prng } from '../helpers/prng.js';

const COUNT = Number(process.env.FLAVOR_DIFF_COUNT ?? 2400);
const SEED = Number(process.env.FLAVOR_DIFF_SEED ?? 20261202);
const BATCH = 400;

const KEY = signingKeyFromSeedText('differential-publisher');
const OTHER = signingKeyFromSeedText('differential-other');
const enc = (s: string) => new TextEncoder().encode(s);
const SCRIPT = enc('#!/bin/sh\necho "differential test package" >&2\nexit 1\n');

function trustBlock(keys: Uint8Array[]): Uint8Array {
  const block = new Uint8Array(TRUST_BLOCK_SIZE);
  block.set(TRUST_MAGIC, 0);
  block[TRUST_MAGIC.length] = keys.length;
  keys.forEach((k, i) => {
    block.set(k, TRUST_MAGIC.length + 1 + 32 * i);
  });
  return block;
}
const PINNING = new Uint8Array(Buffer.concat([SCRIPT, trustBlock([KEY.publicKeyRaw])]));

const raw = (id: string, body: string): VectorSlot => ({
  id,
  bytes: enc(body),
  originalSize: body.length,
  operations: 'raw',
  target: `{workenv}/${id}`,
  permissions: '0755',
});
const gz = (id: string, body: string): VectorSlot => ({
  id,
  bytes: new Uint8Array(gzipSync(enc(body), { level: 9 })),
  originalSize: body.length,
  operations: 'gzip',
  target: `{workenv}/${id}`,
});

interface Base {
  name: string;
  launcher: Uint8Array;
  slots: VectorSlot[];
}
const BASES: Base[] = [
  { name: 'one-raw', launcher: SCRIPT, slots: [raw('run.sh', 'echo hi\n')] },
  { name: 'raw+gzip', launcher: SCRIPT, slots: [raw('a', 'a\n'), gz('b', 'bbbbbbbb\n'.repeat(20))] },
  { name: 'no-slots', launcher: SCRIPT, slots: [] },
  { name: 'pinned', launcher: PINNING, slots: [raw('run.sh', 'echo pinned\n'), gz('d', 'data\n')] },
];

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

interface Case {
  seed: number;
  mutation: string;
  bytes: Uint8Array;
}

// ---- byte-level mutations of a valid package (the index checksum is fixed where it says so) ----

function regions(pkg: Uint8Array, ix: IndexBlock): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [
    ['launcher', 0, Number(ix.launcherSize)],
    ['metadata', Number(ix.metadataOffset), Number(ix.metadataSize)],
    ['index', indexStart(pkg), INDEX_SIZE],
    ['magics', pkg.length - 8200, 4],
  ];
  if (ix.slotCount > 0) {
    const tableEnd = Number(ix.slotTableOffset + ix.slotTableSize);
    out.push(['slot table', Number(ix.slotTableOffset), Number(ix.slotTableSize)]);
    out.push(['slot data and padding', tableEnd, pkg.length - 8200 - tableEnd]);
  }
  return out.filter(([, , size]) => size > 0);
}

function flipIn(r: Rand, pkg: Uint8Array, ix: IndexBlock): string {
  const [name, start, size] = pick(r, regions(pkg, ix));
  const at = start + int(r, size);
  const bit = 1 << int(r, 8);
  pkg[at] = pkg[at]! ^ bit;
  const fix = name === 'index' && r() < 0.7;
  if (fix) fixIndexChecksum(pkg);
  return `flip bit ${bit} at ${at} (${name})${fix ? ', index checksum fixed' : ''}`;
}

const U64_FIELDS = [
  'packageSize',
  'launcherSize',
  'metadataOffset',
  'metadataSize',
  'slotTableOffset',
  'slotTableSize',
] as const;
const U32_FIELDS = ['formatVersion', 'slotCount', 'flags'] as const;

function indexField(r: Rand, pkg: Uint8Array, _ix: IndexBlock): string {
  const view = Buffer.from(pkg.buffer, pkg.byteOffset, pkg.byteLength);
  const base = indexStart(pkg);
  if (r() < 0.6) {
    const field = pick(r, U64_FIELDS);
    const old = view.readBigUInt64LE(base + INDEX_FIELDS[field]);
    const value = pick(r, [
      0n,
      old + 1n,
      old - 1n,
      old + 8n,
      1n << 63n,
      2n ** 64n - 1n,
      BigInt(int(r, pkg.length)),
    ]);
    view.writeBigUInt64LE(BigInt.asUintN(64, value), base + INDEX_FIELDS[field]);
    fixIndexChecksum(pkg);
    return `index ${field} = ${BigInt.asUintN(64, value)}`;
  }
  const field = pick(r, U32_FIELDS);
  const value = pick(r, [0, 1, 2, 0xffffffff, int(r, 70000)]);
  view.writeUInt32LE(value, base + INDEX_FIELDS[field]);
  fixIndexChecksum(pkg);
  return `index ${field} = ${value}`;
}

function reservedByte(r: Rand, pkg: Uint8Array, _ix: IndexBlock): string {
  const [from, to] = pick(r, [
    [192, 640],
    [692, 704],
    [864, 1376],
    [1376, INDEX_SIZE],
  ] as const);
  const at = indexStart(pkg) + from + int(r, to - from);
  pkg[at] = 1 + int(r, 255);
  fixIndexChecksum(pkg);
  return `index byte ${at - indexStart(pkg)} = ${pkg[at]} (zero region)`;
}

function descriptorField(r: Rand, pkg: Uint8Array, ix: IndexBlock): string {
  if (ix.slotCount === 0) return flipIn(r, pkg, ix);
  const i = int(r, ix.slotCount);
  const at = Number(ix.slotTableOffset) + i * DESCRIPTOR_SIZE;
  const view = Buffer.from(pkg.buffer, pkg.byteOffset, pkg.byteLength);
  const field = int(r, 8) * 8;
  const old = view.readBigUInt64LE(at + field);
  const value = pick(r, [
    0n,
    old + 1n,
    old - 1n,
    1n << 63n,
    0x10n,
    0x1001n,
    0x31n,
    BigInt(int(r, pkg.length)),
  ]);
  view.writeBigUInt64LE(BigInt.asUintN(64, value), at + field);
  return `descriptor ${i} u64 at +${field} = ${BigInt.asUintN(64, value)}`;
}

function paddingByte(r: Rand, pkg: Uint8Array, ix: IndexBlock): string {
  const gaps: number[] = [];
  const metaEnd = Number(ix.metadataOffset + ix.metadataSize);
  const tableStart = ix.slotCount > 0 ? Number(ix.slotTableOffset) : metaEnd;
  for (let a = metaEnd; a < tableStart; a++) gaps.push(a);
  if (gaps.length === 0) return flipIn(r, pkg, ix);
  const at = pick(r, gaps);
  pkg[at] = 1 + int(r, 255);
  return `padding byte at ${at} = ${pkg[at]}`;
}

function metadataWithChecksum(r: Rand, pkg: Uint8Array, ix: IndexBlock): string {
  const start = Number(ix.metadataOffset);
  const at = start + int(r, Number(ix.metadataSize));
  pkg[at] = pkg[at]! ^ (1 << int(r, 8));
  pkg.set(
    sha256(pkg.subarray(start, start + Number(ix.metadataSize))),
    indexStart(pkg) + INDEX_FIELDS.metadataChecksum,
  );
  fixIndexChecksum(pkg);
  return `metadata byte ${at - start} changed, metadata checksum fixed`;
}

// ---- mutations of the signed JSON, re-signed (what a malicious publisher can do) ----

function jsonEdit(r: Rand, json: string): { json: string; what: string } {
  const keys = [...json.matchAll(/"([A-Za-z_]+)": /g)];
  const m = pick(r, keys);
  const at = m.index!;
  const key = m[1]!;
  const variant = () =>
    [...key]
      .map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase()))
      .join('')
      .replace(/^./, (c) => (c === key[0] ? (c.toUpperCase() === c ? c.toLowerCase() : c.toUpperCase()) : c));
  const edits: Array<() => { json: string; what: string }> = [
    () => ({ json: `${json.slice(0, at)}"${key}": "dup", ${json.slice(at)}`, what: `duplicate "${key}"` }),
    () => {
      const v = variant();
      return {
        json: `${json.slice(0, at)}"${v}": "x", ${json.slice(at)}`,
        what: `case variant "${v}" of "${key}"`,
      };
    },
    () => {
      const v = key.replace(/s/, '\u017f').replace(/k/, '\u212a');
      return {
        json: `${json.slice(0, at)}"${v}": 1, ${json.slice(at)}`,
        what: `fold variant "${v}" of "${key}"`,
      };
    },
    () => ({
      json: json.slice(0, at) + json.slice(at).replace(`"${key}": `, `"${key.toUpperCase()}": `),
      what: `rename "${key}" upper case`,
    }),
    () => {
      const pos = int(r, json.length);
      const ch = pick(r, [
        '{',
        '}',
        '[',
        ']',
        ',',
        '"',
        '0',
        '1.5',
        '-1',
        'null',
        '\\ud800',
        '\ufeff',
        'é',
        ' ',
      ]);
      return {
        json: json.slice(0, pos) + ch + json.slice(pos + int(r, 3)),
        what: `text edit at ${pos}: ${JSON.stringify(ch)}`,
      };
    },
    () => {
      const value = pick(r, [
        '0.0',
        '1e0',
        '1.5',
        '-1',
        '9007199254740993',
        '"7"',
        'null',
        '[]',
        '{}',
        'true',
      ]);
      return {
        json:
          json.slice(0, at) +
          json.slice(at).replace(/^("[A-Za-z_]+": )("[^"]*"|-?[0-9.eE+]+|true|false|null)/, `$1${value}`),
        what: `value of "${key}" = ${value}`,
      };
    },
  ];
  return pick(r, edits)();
}

function resigned(r: Rand, base: Base): Case['bytes'] & { what?: string } {
  let what = '';
  const bytes = assemble({
    launcher: base.launcher,
    key: r() < 0.9 ? KEY : OTHER,
    slots: base.slots,
    editJson: (json) => {
      const e = jsonEdit(r, json);
      what = e.what;
      return e.json === json ? `${json} ` : e.json;
    },
  });
  return Object.assign(bytes, { what });
}

function trustBlockEdit(r: Rand, base: Base): { bytes: Uint8Array; what: string } {
  const launcher = Buffer.from(base.launcher);
  const at = launcher.indexOf(TRUST_MAGIC);
  const edits: Array<[string, () => Uint8Array]> = [
    ['launcher pins the other key', () => Buffer.concat([SCRIPT, trustBlock([OTHER.publicKeyRaw])])],
    [
      'launcher pins both keys',
      () => Buffer.concat([SCRIPT, trustBlock([OTHER.publicKeyRaw, KEY.publicKeyRaw])]),
    ],
    ['two trust blocks', () => Buffer.concat([SCRIPT, trustBlock([KEY.publicKeyRaw]), trustBlock([])])],
    ['trust block cut off', () => Buffer.concat([SCRIPT, trustBlock([KEY.publicKeyRaw]).subarray(0, 40)])],
    [
      'count byte random',
      () => {
        const copy = Buffer.concat([SCRIPT, trustBlock([KEY.publicKeyRaw])]);
        copy[SCRIPT.length + TRUST_MAGIC.length] = int(r, 256);
        return copy;
      },
    ],
  ];
  const [what, make] = pick(r, edits);
  void at;
  return { bytes: assemble({ launcher: make(), key: KEY, slots: base.slots }), what };
}

function makeCase(seed: number): Case {
  const r = prng(seed);
  const base = pick(r, BASES);
  const kind = int(r, 9);
  if (kind === 0) {
    const b = resigned(r, base);
    return { seed, mutation: `${base.name}: re-signed JSON, ${b.what}`, bytes: b };
  }
  if (kind === 1) {
    const t = trustBlockEdit(r, base);
    return { seed, mutation: `${base.name}: ${t.what}`, bytes: t.bytes };
  }
  const pkg = assemble({ launcher: base.launcher, key: KEY, slots: base.slots });
  const steps = [flipIn, indexField, reservedByte, descriptorField, paddingByte, metadataWithChecksum];
  const n = r() < 0.75 ? 1 : 2; // two mutations test the check order
  const done: string[] = [];
  const ix = readIndex(pkg);
  for (let i = 0; i < n; i++) done.push(pick(r, steps)(r, pkg, ix));
  return { seed, mutation: `${base.name}: ${done.join(' + ')}`, bytes: pkg };
}

// ---- the two verifiers ----

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
}

async function tsVerify(file: string): Promise<Outcome> {
  try {
    await verifyPackage(file);
    return { ok: true };
  } catch (e) {
    if (!isFlavorError(e)) return { ok: false, code: 'NOT_A_FLAVOR_ERROR', message: String(e) };
    return { ok: false, code: e.code, message: e.message };
  }
}

const run = promisify(execFile);

async function goVerify(files: string[]): Promise<Map<string, Outcome>> {
  let stdout: string;
  try {
    ({ stdout } = await run(LAUNCHER_BIN, ['verify', '--json', ...files], {
      env: { PATH: process.env.PATH ?? '', FLAVOR_LAUNCHER_CLI: '1' },
      maxBuffer: 64 << 20,
    }));
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? '';
  }
  const out = new Map<string, Outcome>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { path: string; ok: boolean; code?: string; message?: string };
    out.set(r.path, {
      ok: r.ok,
      ...(r.code ? { code: r.code } : {}),
      ...(r.message ? { message: r.message } : {}),
    });
  }
  return out;
}

let dir: string;
before(async () => {
  launcherBytes(); // a clear failure when the launcher was not built
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-differential-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('the launcher verify mode reports one JSON line per file, with the error code', async () => {
  const good = path.join(dir, 'good.psp');
  const bad = path.join(dir, 'bad.psp');
  const pkg = assemble({ launcher: PINNING, key: KEY, slots: BASES[0]!.slots });
  await fs.writeFile(good, pkg);
  const other = assemble({
    launcher: Buffer.concat([SCRIPT, trustBlock([OTHER.publicKeyRaw])]),
    key: KEY,
    slots: [],
  });
  await fs.writeFile(bad, other);
  const got = await goVerify([good, bad]);
  assert.deepEqual(got.get(good), { ok: true });
  assert.equal(got.get(bad)?.code, 'UNTRUSTED_KEY');
});

test(`flavor verify and the launcher agree on ${COUNT} mutated packages (seed ${SEED})`, async (t) => {
  const disagreements: string[] = [];
  const tally = new Map<string, number>();
  for (let start = 0; start < COUNT; start += BATCH) {
    const cases = Array.from({ length: Math.min(BATCH, COUNT - start) }, (_, i) =>
      makeCase(SEED + start + i),
    );
    const files = cases.map((c) => path.join(dir, `case-${c.seed}.psp`));
    await Promise.all(cases.map((c, i) => fs.writeFile(files[i]!, c.bytes)));
    const go = await goVerify(files);
    for (const [i, c] of cases.entries()) {
      const ts = await tsVerify(files[i]!);
      const g = go.get(files[i]!) ?? { ok: false, code: 'NO_OUTPUT' };
      const key = ts.ok ? 'accepted' : ts.code!;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if (ts.ok !== g.ok || ts.code !== g.code) {
        disagreements.push(
          `seed ${c.seed} (FLAVOR_DIFF_SEED=${c.seed} FLAVOR_DIFF_COUNT=1): ${c.mutation}\n` +
            `  flavor verify: ${ts.ok ? 'accepted' : `${ts.code} ${ts.message}`}\n` +
            `  launcher:      ${g.ok ? 'accepted' : `${g.code} ${g.message}`}`,
        );
      }
    }
    await Promise.all(files.map((f) => fs.rm(f, { force: true })));
  }
  const summary = [...tally.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  t.diagnostic(`outcomes: ${summary}`);
  assert.deepEqual(
    disagreements.slice(0, 20),
    [],
    `${disagreements.length} disagreements (outcomes: ${summary})`,
  );
  // The mutations reach deep checks, not only the first ones.
  for (const code of [
    'INDEX_CHECKSUM',
    'LAYOUT_INVALID',
    'METADATA_JSON',
    'UNTRUSTED_KEY',
    'SLOT_CHECKSUM',
  ]) {
    if (COUNT >= 1000) assert.ok(tally.has(code), `no case ended in ${code} (outcomes: ${summary})`);
  }
});
