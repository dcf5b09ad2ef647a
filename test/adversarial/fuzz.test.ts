// Bounded, seeded fuzzing of the extract path (test/malformed.test.ts fuzzes the byte layout). Packages are
// CORRECTLY SIGNED after the edit, so every check that runs is the reader's, not the signature's:
//   1. structure-aware metadata edits (nasty targets, ids, names, permissions, sizes, chains, directories);
//   2. random byte edits inside a slot's stored bytes, hashes rewritten (corrupt gzip/tar streams).
// Property, for both `flavor verify` + extract (in process) and the real launcher: either success or a
// coded refusal (never INTERNAL / a crash / a launcher exit outside 0 and 102..107), and nothing is ever
// written outside the output folder or the cache. Also checks the Go `go test -fuzz` targets exist.
// Seed and count: FUZZ_SEED, FUZZ_COUNT (defaults below; CI uses the defaults).

import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isFlavorError } from '../../src/errors.js';
import type { PackageMetadata } from '../../src/format/index.js';
import { extractSlot } from '../../src/reader/extract.js';
import { verifyPackage } from '../../src/reader/verify.js';
import {
  appPackage,
  buildTar,
  launch,
  launcherErrorCode,
  prng,
  type RawEntry,
  tree,
  writePackage,
} from '../helpers/adversarial.js';
import { REPO_ROOT, tempDir } from '../helpers/cli.js';

const SEED = Number(process.env.FUZZ_SEED ?? 7_2025);
const COUNT = Number(process.env.FUZZ_COUNT ?? 100);
let work: string;

const NASTY_STRINGS = [
  '',
  '.',
  '..',
  '../x',
  '{workenv}/../x',
  '{workenv}/a/../../x',
  '{workenv}x',
  '{workenv}',
  '{workenv}/',
  '/tmp/flavor-fuzz-abs',
  'C:/x',
  '\\\\server\\share',
  'a\\..\\..\\x',
  'a\u0000b',
  'ü/☃',
  'x'.repeat(300),
  `${'d/'.repeat(60)}f`,
  '{workenv}/run.sh',
  '{workenv}/data.txt/x',
  '0777',
  '7777',
  '0o644',
  '-1',
  'tar.gz',
  'tar|tar',
  'gzip|gzip|gzip|gzip|gzip|gzip|gzip|gzip|gzip',
  'zstd',
  'sha256:',
];
const NASTY_VALUES: unknown[] = [
  ...NASTY_STRINGS,
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  2 ** 64,
  [],
  {},
  { a: 'b' },
  ['x'],
];

type Edit = (m: PackageMetadata, r: () => number) => string;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const SLOT_FIELDS = [
  'id',
  'target',
  'operations',
  'permissions',
  'size',
  'original_size',
  'checksum',
  'lifecycle',
  'slot',
  'purpose',
];

const EDITS: Edit[] = [
  (m, r) => {
    const i = Math.floor(r() * m.slots.length);
    const f = pick(r, SLOT_FIELDS);
    const v = pick(r, NASTY_VALUES);
    (m.slots[i] as unknown as Record<string, unknown>)[f] = v;
    return `slots[${i}].${f} = ${JSON.stringify(v)}`;
  },
  (m, r) => {
    const i = Math.floor(r() * m.slots.length);
    const f = pick(r, SLOT_FIELDS);
    delete (m.slots[i] as unknown as Record<string, unknown>)[f];
    return `delete slots[${i}].${f}`;
  },
  (m, r) => {
    const v = pick(r, NASTY_STRINGS);
    m.workenv = { directories: [{ path: v, mode: pick(r, ['0700', '0777', '7777', 'x']) }] };
    return `workenv.directories = ${JSON.stringify(v)}`;
  },
  (m, r) => {
    const f = pick(r, ['name', 'version']);
    const v = pick(r, NASTY_VALUES);
    (m.package as Record<string, unknown>)[f] = v;
    return `package.${f} = ${JSON.stringify(v)}`;
  },
  (m, r) => {
    const v = pick(r, NASTY_VALUES);
    (m.execution as Record<string, unknown>)[pick(r, ['command', 'env', 'primary_slot', 'commands'])] = v;
    return `execution.* = ${JSON.stringify(v)}`;
  },
  (m, r) => {
    const i = Math.floor(r() * m.slots.length);
    const j = Math.floor(r() * m.slots.length);
    m.slots[i]!.target = m.slots[j]!.target;
    m.slots[i]!.id = m.slots[j]!.id;
    return `slots[${i}] target/id = slots[${j}]`;
  },
  (m, r) => {
    const i = Math.floor(r() * m.slots.length);
    m.slots[i]!.lifecycle = pick(r, ['init', 'volatile', 'INIT', 'Volatile']);
    m.slots[i]!.target = pick(r, NASTY_STRINGS);
    return `slots[${i}] lifecycle init/volatile with target ${m.slots[i]!.target}`;
  },
];

/** Files under `dir` outside the allowed subfolders. */
async function strays(dir: string, allowed: string[]): Promise<string[]> {
  return (await tree(dir)).filter(
    (p) => !allowed.some((a) => p === a || p === `${a}/` || p.startsWith(`${a}/`)),
  );
}

async function checkCase(name: string, bytes: Uint8Array): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir);
  const file = await writePackage(path.join(dir, 'p.psp'), bytes);
  let outcome = 'ok';
  try {
    const pkg = (await verifyPackage(file)).package;
    for (let i = 0; i < pkg.metadata.slots.length; i++) {
      await extractSlot(pkg, i, path.join(dir, 'out', `s${i}`), false);
    }
  } catch (e) {
    assert.ok(isFlavorError(e), `${name}: not a FlavorError: ${String((e as Error)?.stack ?? e)}`);
    assert.notEqual(e.code, 'INTERNAL', `${name}: ${e.message}`);
    outcome = e.code;
  }
  const r = await launch(file, {
    cache: path.join(dir, 'cache'),
    home: dir,
    env: { MARKER: path.join(dir, 'cache', 'ran') },
  });
  // A coded launcher refusal exits 102..107; anything else is the app's own exit (the app did run).
  const refusal = launcherErrorCode(r.stderr);
  if (refusal) {
    assert.ok(r.code !== null && r.code >= 102 && r.code <= 107, `${name}: launcher ${r.code} ${r.stderr}`);
    assert.notEqual(refusal, 'INTERNAL', `${name}: ${r.stderr}`);
  }
  assert.equal(r.signal, null, `${name}: killed by ${r.signal}`);
  assert.doesNotMatch(r.stderr, /panic|goroutine|INTERNAL/, `${name}: ${r.stderr}`);
  assert.deepEqual(await strays(dir, ['out', 'cache', 'p.psp']), [], `${name}: wrote outside`);
  await fs.rm(dir, { recursive: true, force: true });
  return `${outcome}/${r.code}`;
}

before(async () => {
  work = await tempDir('flavor-adv-fuzz-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
  await fs.rm('/tmp/flavor-fuzz-abs', { recursive: true, force: true });
});

test(`structure-aware metadata edits, signed (seed ${SEED}, ${COUNT} cases)`, {
  timeout: 120_000,
}, async () => {
  const r = prng(SEED);
  const outcomes = new Map<string, number>();
  const jobs: Array<() => Promise<void>> = [];
  for (let k = 0; k < COUNT; k++) {
    const edits: string[] = [];
    const count = 1 + Math.floor(r() * 3);
    const chosen = Array.from({ length: count }, () => pick(r, EDITS));
    const sub = prng(Math.floor(r() * 2 ** 31));
    let bytes: Uint8Array;
    try {
      bytes = appPackage({
        editMetadata: (m) => {
          for (const e of chosen) edits.push(e(m, sub));
        },
      });
    } catch {
      continue; // the assembler itself refused (e.g. a non-string it must hash)
    }
    jobs.push(async () => {
      const o = await checkCase(`meta-${k}`, bytes).catch((e: Error) => {
        throw new Error(`case meta-${k} [${edits.join('; ')}]: ${e.message}`);
      });
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    });
  }
  for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((j) => j()));
  assert.ok(jobs.length >= COUNT * 0.8);
  // Both accepted and refused cases must occur, or the fuzzer tests nothing.
  assert.ok(
    [...outcomes.keys()].some((o) => o.startsWith('ok/')),
    [...outcomes.keys()].join(' '),
  );
  assert.ok([...outcomes.keys()].some((o) => !o.startsWith('ok/')));
});

test(`random byte edits inside signed slot streams (seed ${SEED + 1}, ${COUNT} cases)`, {
  timeout: 120_000,
}, async () => {
  const r = prng(SEED + 1);
  const entries: RawEntry[] = [
    { name: 'run.sh', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { name: 'dir/', type: '5', mode: 0o755 },
    { name: 'dir/a.txt', data: 'a'.repeat(700) },
    { name: 'dir/link', type: '2', linkname: 'a.txt' },
    { name: 'dir/b.txt', data: 'b'.repeat(1500) },
  ];
  const tar = buildTar(entries);
  const variants = [
    { bytes: gzipSync(tar), operations: 'tar.gz' },
    { bytes: tar, operations: 'tar' },
  ];
  const outcomes = new Set<string>();
  const jobs: Array<() => Promise<void>> = [];
  for (let k = 0; k < COUNT; k++) {
    const v = pick(r, variants);
    const stored = Buffer.from(v.bytes);
    const flips = 1 + Math.floor(r() * 4);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(r() * stored.length);
      stored[at] = r() < 0.5 ? Math.floor(r() * 256) : stored[at]! ^ (1 << Math.floor(r() * 8));
    }
    const bytes = appPackage({
      slot0: { bytes: stored, originalSize: tar.length, operations: v.operations },
    });
    jobs.push(async () => {
      outcomes.add(await checkCase(`slot-${k}`, bytes));
    });
  }
  for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((j) => j()));
  assert.ok(outcomes.size >= 2, [...outcomes].join(' '));
});

test('the Go fuzz targets exist for index, descriptor table, metadata, operation chains and tar paths', () => {
  const format = readFileSync(path.join(REPO_ROOT, 'launcher/internal/format/fuzz_test.go'), 'utf8');
  const payload = readFileSync(path.join(REPO_ROOT, 'launcher/internal/payload/payload_test.go'), 'utf8');
  for (const name of ['FuzzIndex', 'FuzzSlotTable', 'FuzzMetadata', 'FuzzOperations']) {
    assert.match(format, new RegExp(`func ${name}\\(f \\*testing\\.F\\)`), name);
  }
  assert.match(payload, /func FuzzTarPaths\(f \*testing\.F\)/);
});
