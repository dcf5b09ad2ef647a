// pack → verify → inspect --json → extract / extract-all through the real CLI, for every chain the
// builder writes. Sources are compared byte for byte (and mode for files) with what comes back out.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  listDir,
  parseJson,
  runFlavor,
  tempDir,
  writeJson,
  writeLauncher,
  writeTree,
} from '../helpers/cli.js';

const FILE_CHAINS = ['raw', 'gzip', 'zstd', 'xz', 'bzip2'] as const;
const TREE_CHAINS = ['tar', 'tar.gz', 'tar.zst', 'tar.xz', 'tar.bz2'] as const;
const ALL_CHAINS = [...FILE_CHAINS, ...TREE_CHAINS];

let work: string;
let launcher: string;
let pkg: string;
let fileBytes: Buffer;

/** Deterministic, partly compressible content. */
function content(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 3 === 0 ? x >>> 24 : 0x41 + (i % 26);
  }
  return out;
}

const slotId = (chain: string) => `s-${chain.replace(/\./g, '-')}`;

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(path.join(dir, r));
      if (st.isDirectory()) {
        out[`${r}/`] = 'dir';
        await walk(r);
      } else {
        const data = await fs.readFile(path.join(dir, r));
        out[r] = `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(data).digest('hex')}`;
      }
    }
  }
  await walk('');
  return out;
}

before(async () => {
  work = await tempDir();
  launcher = await writeLauncher(work);
  fileBytes = content(70_000);
  await fs.writeFile(path.join(work, 'payload.bin'), fileBytes);
  await writeTree(path.join(work, 'app'), {
    'bin/hello': '#!/bin/sh\necho hello\n',
    'lib/data.txt': content(5000).toString('latin1'),
    'README.md': '# app\n',
    'empty/.keep': '',
  });
  await fs.chmod(path.join(work, 'app', 'bin', 'hello'), 0o755);
  await fs.chmod(path.join(work, 'app', 'README.md'), 0o644);
  await fs.chmod(path.join(work, 'app', 'lib', 'data.txt'), 0o640);
  await writeJson(path.join(work, 'flavor.json'), {
    package: { name: 'roundtrip', version: '2.1.0', description: 'every chain' },
    execution: { command: '{workenv}/bin/hello', env: { GREETING: 'hi' } },
    slots: ALL_CHAINS.map((chain) => ({
      id: slotId(chain),
      source: chain.startsWith('tar') ? 'app' : 'payload.bin',
      target: chain.startsWith('tar') ? `{workenv}/${slotId(chain)}` : `{workenv}/${slotId(chain)}.bin`,
      operations: chain,
      ...(chain === 'raw' ? { permissions: '0750' } : {}),
    })),
  });
  pkg = path.join(work, 'out', 'roundtrip.psp');
  const r = await runFlavor(
    ['pack', '-m', 'flavor.json', '-o', pkg, '--launcher-bin', launcher, '--key-seed', 'roundtrip'],
    { cwd: work },
  );
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('pack → verify → inspect → extract', () => {
  test('pack wrote an executable package and nothing else into the output folder', async () => {
    const st = await fs.stat(pkg);
    assert.equal(st.mode & 0o777, 0o755);
    assert.deepEqual(await listDir(path.dirname(pkg)), ['roundtrip.psp']);
    const head = await fs.readFile(pkg);
    assert.deepEqual(head.subarray(0, 4), Buffer.from('\x7fELF', 'latin1'), 'starts with the launcher');
  });

  test('verify passes every check and reports self-signed integrity', async () => {
    const r = await runFlavor(['verify', pkg]);
    assert.equal(r.code, 0, r.stderr);
    for (const chain of ALL_CHAINS) assert.match(r.stdout, new RegExp(`${slotId(chain)}: SHA-256 matches`));
    assert.match(r.stdout, /ok {2}launcher/);
    assert.match(r.stdout, /ok {2}unsigned gaps/);
    assert.match(r.stdout, /roundtrip 2\.1\.0: verified, self-signed: integrity only/);
  });

  test('verify --json has a stable shape', async () => {
    const r = await runFlavor(['verify', pkg, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.deepEqual(Object.keys(doc).sort(), [
      'checks',
      'fingerprint',
      'identity',
      'name',
      'ok',
      'package',
      'pinned_keys',
      'trust',
      'version',
    ]);
    assert.equal(doc.ok, true);
    assert.equal(doc.trust, 'self-signed');
    assert.deepEqual(doc.pinned_keys, [], 'this launcher pins no key');
    assert.match(String(doc.fingerprint), /^sha256:[0-9a-f]{64}$/);
    assert.match(String(doc.identity), /^roundtrip-2\.1\.0-[0-9a-f]{16}$/);
    const names = (doc.checks as Array<{ name: string }>).map((c) => c.name);
    assert.deepEqual(names.slice(0, 5), [
      'structure',
      'index checksum',
      'metadata checksum',
      'signature',
      'trust',
    ]);
    assert.equal(names.filter((n) => n.startsWith('slot ')).length, ALL_CHAINS.length);
  });

  test('inspect --json: stable keys, one entry per slot with the declared chain, deterministic', async () => {
    const [a, b] = await Promise.all([
      runFlavor(['inspect', pkg, '--json']),
      runFlavor(['inspect', pkg, '--json']),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout, 'inspect --json must be deterministic');
    const doc = parseJson(a.stdout);
    assert.deepEqual(Object.keys(doc), [
      'package',
      'file',
      'format',
      'identity',
      'signature',
      'launcher',
      'build',
      'execution',
      'service',
      'requires',
      'runtime_licenses',
      'slots',
    ]);
    assert.equal(doc.service, null, 'not a service');
    assert.equal(doc.runtime_licenses, null, 'a manifest package records no Python runtime');
    assert.deepEqual(doc.requires, { glibc: null }, 'a manifest package records no glibc');
    assert.deepEqual(doc.package, { name: 'roundtrip', version: '2.1.0', description: 'every chain' });
    assert.deepEqual(doc.format, { name: 'PSPF/2025', version: '0x20250001', metadata_version: '1.0.0' });
    assert.equal((doc.file as { size: number }).size, (await fs.stat(pkg)).size);
    assert.equal((doc.signature as { status: string }).status, 'valid');
    const execution = doc.execution as Record<string, unknown>;
    assert.deepEqual(execution.env, { GREETING: 'hi' });
    assert.deepEqual(execution.environment, { GREETING: 'hi' });
    const slots = doc.slots as Array<Record<string, unknown>>;
    assert.equal(slots.length, ALL_CHAINS.length);
    ALL_CHAINS.forEach((chain, i) => {
      const s = slots[i]!;
      assert.deepEqual(Object.keys(s), [
        'index',
        'id',
        'purpose',
        'lifecycle',
        'target',
        'operations',
        'size',
        'original_size',
        'ratio',
        'offset',
        'checksum',
        'permissions',
        'platform',
        'encryption',
      ]);
      assert.equal(s.index, i);
      assert.equal(s.id, slotId(chain));
      assert.equal(s.operations, chain);
      assert.match(String(s.checksum), /^sha256:[0-9a-f]{64}$/);
      assert.equal(Number(s.offset) % 8, 0, 'slots are 8-byte aligned');
      if (!chain.startsWith('tar')) assert.equal(s.original_size, fileBytes.length);
    });
    assert.equal(slots[0]!.permissions, '0750');
    assert.equal(slots[0]!.size, fileBytes.length, 'raw slot is stored as is');
  });

  test('inspect (text) shows the tree', async () => {
    const r = await runFlavor(['inspect', pkg, '--slot-details', '--compression-stats']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /package: roundtrip 2\.1\.0 — every chain/);
    assert.match(r.stdout, /slots: 10/);
    assert.match(r.stdout, /s-tar-zst: .* tar\.zst → \{workenv\}\/s-tar-zst/);
  });

  for (const chain of ALL_CHAINS) {
    test(`extract ${chain} gives back the source`, async () => {
      const dest = path.join(work, 'x', chain);
      const r = await runFlavor(['extract', pkg, slotId(chain), dest, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const doc = parseJson(r.stdout);
      const result = (doc.slots as Array<Record<string, unknown>>)[0]!;
      assert.equal(result.id, slotId(chain));
      if (chain.startsWith('tar')) {
        assert.equal(result.kind, 'directory');
        assert.deepEqual(await snapshot(dest), await snapshot(path.join(work, 'app')));
      } else {
        assert.equal(result.kind, 'file');
        assert.ok((await fs.readFile(dest)).equals(fileBytes), 'extracted bytes differ from the source');
        const mode = (await fs.stat(dest)).mode & 0o777;
        assert.equal(mode, chain === 'raw' ? 0o750 : 0o600);
      }
    });
  }

  test('extract by index works too', async () => {
    const dest = path.join(work, 'by-index.bin');
    const r = await runFlavor(['extract', pkg, '1', dest]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /extracted slot 1 \(s-gzip\)/);
    assert.ok((await fs.readFile(dest)).equals(fileBytes));
  });

  test('extract of an unknown slot is NOT_FOUND (exit 3) and lists the slots', async () => {
    const r = await runFlavor(['extract', pkg, 'nope', path.join(work, 'nope')]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /flavor: error: no slot "nope"/);
    assert.match(r.stderr, /hint: slots: 0:s-raw, 1:s-gzip/);
    await assert.rejects(fs.stat(path.join(work, 'nope')), { code: 'ENOENT' });
  });

  test('extract-all writes every slot and the exact signed metadata', async () => {
    const dir = path.join(work, 'all');
    const r = await runFlavor(['extract-all', pkg, dir]);
    assert.equal(r.code, 0, r.stderr);
    const names = await listDir(dir);
    assert.equal(names.length, ALL_CHAINS.length + 1);
    assert.ok(names.includes('metadata.json'));
    assert.ok(names.includes('00-s-raw'));
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'metadata.json'), 'utf8')) as {
      package: { name: string };
      slots: unknown[];
    };
    assert.equal(meta.package.name, 'roundtrip');
    assert.equal(meta.slots.length, ALL_CHAINS.length);
    assert.deepEqual(await snapshot(path.join(dir, '05-s-tar')), await snapshot(path.join(work, 'app')));
    // a second run without --force refuses, with --force succeeds
    const again = await runFlavor(['extract-all', pkg, dir]);
    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stderr, /already exists/);
    const forced = await runFlavor(['extract-all', pkg, dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
  });

  test('extract refuses to overwrite an existing file without --force and keeps it', async () => {
    const dest = path.join(work, 'existing.bin');
    await fs.writeFile(dest, 'keep me');
    const r = await runFlavor(['extract', pkg, 's-gzip', dest]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /flavor: error: output already exists/);
    assert.match(r.stderr, /hint: use --force/);
    assert.equal(await fs.readFile(dest, 'utf8'), 'keep me');
    const forced = await runFlavor(['extract', pkg, 's-gzip', dest, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok((await fs.readFile(dest)).equals(fileBytes));
  });

  test('extract of a tar slot refuses a non-empty folder without --force', async () => {
    const dest = path.join(work, 'nonempty');
    await writeTree(dest, { 'mine.txt': 'mine' });
    const r = await runFlavor(['extract', pkg, 's-tar-gz', dest]);
    assert.equal(r.code, 3);
    assert.deepEqual(await listDir(dest), ['mine.txt']);
  });
});

describe('xz / bzip2 without their programs', () => {
  for (const chain of ['xz', 'tar.bz2']) {
    test(`${chain}: UNSUPPORTED_OPERATION (exit 14), no output written`, async () => {
      const dir = await tempDir();
      try {
        await fs.writeFile(path.join(dir, 'f.bin'), 'data');
        await writeTree(path.join(dir, 'tree'), { 'a.txt': 'a' });
        await writeJson(path.join(dir, 'm.json'), {
          package: { name: 'nox', version: '1' },
          execution: { command: '/bin/true' },
          slots: [
            { id: 'x', source: chain === 'xz' ? 'f.bin' : 'tree', target: '{workenv}/x', operations: chain },
          ],
        });
        const emptyBin = path.join(dir, 'emptybin');
        await fs.mkdir(emptyBin);
        const r = await runFlavor(
          [
            'pack',
            '-m',
            'm.json',
            '-o',
            'out/x.psp',
            '--launcher-bin',
            launcher,
            '--key-seed',
            's',
            '--json',
          ],
          { cwd: dir, env: { PATH: emptyBin } },
        );
        assert.equal(r.code, 14, r.stderr);
        const name = chain === 'xz' ? 'xz' : 'bzip2';
        assert.match(
          r.stderr,
          new RegExp(`flavor: error: cannot write ${name}: the ${name} program is not on PATH`),
        );
        const doc = parseJson(r.stdout);
        assert.equal((doc.error as { code: string }).code, 'UNSUPPORTED_OPERATION');
        assert.deepEqual(await listDir(path.join(dir, 'out')).catch(() => []), []);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }
});
