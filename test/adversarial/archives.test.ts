// Hostile archives inside CORRECTLY SIGNED packages (made with the test-only tar writer), so only the
// extractor can stop them: the launcher refuses (exit 103), writes nothing outside its staging folder,
// leaves nothing in the cache (no ready marker, no workenv, no staging folder), cleans staging leftovers
// of earlier runs, and `flavor extract` refuses the same archive (exit 14).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  APP_SCRIPT,
  appPackage,
  buildTar,
  exists,
  launch,
  launcherErrorCode,
  type RawEntry,
  tree,
  writePackage,
} from '../helpers/adversarial.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

let work: string;
const ABS = path.join(os.tmpdir(), `flavor-adv-abs-${randomBytes(4).toString('hex')}`);

interface Case {
  name: string;
  /** Entries of slot 0 (tar.gz); `outside` is the case folder, for absolute links. */
  entries?: (outside: string) => RawEntry[];
  /** Or the whole slot. */
  slot0?: () => { bytes: Uint8Array; originalSize: number; operations: string };
  /** setup_commands of the package. */
  setup?: unknown[];
  codes: string[];
}

const zeros = (n: number) => Buffer.alloc(n);

const cases: Case[] = [
  { name: '../ name', entries: () => [{ name: '../../../evil', data: 'x' }], codes: ['UNSAFE_PATH'] },
  {
    name: 'nested ../ name',
    entries: () => [{ name: 'a/../../../../evil', data: 'x' }],
    codes: ['UNSAFE_PATH'],
  },
  {
    name: '../ via PAX path',
    entries: () => [{ name: 'ok', pax: { path: '../../../evil' }, data: 'x' }],
    codes: ['UNSAFE_PATH'],
  },
  { name: 'absolute name', entries: () => [{ name: ABS, data: 'x' }], codes: ['UNSAFE_PATH'] },
  {
    name: 'symlink out (relative), then a file through it',
    entries: () => [
      { name: 'l', type: '2', linkname: '../../../' },
      { name: 'l/evil', data: 'x' },
    ],
    codes: ['UNSAFE_PATH'],
  },
  {
    name: 'symlink out (absolute), then a file through it',
    entries: (outside) => [
      { name: 'l', type: '2', linkname: outside },
      { name: 'l/evil', data: 'x' },
    ],
    codes: ['UNSAFE_PATH'],
  },
  {
    name: 'symlink inside, then a file through it',
    entries: () => [
      { name: 'sub/', type: '5', mode: 0o755 },
      { name: 'l', type: '2', linkname: 'sub' },
      { name: 'l/evil', data: 'x' },
    ],
    codes: ['UNSAFE_PATH'],
  },
  {
    name: 'chained symlinks out (d/l -> .., e -> d/l/..: lexically inside), a setup write through them',
    entries: () => [
      { name: 'run.sh', data: APP_SCRIPT, mode: 0o755 },
      { name: 'd/', type: '5', mode: 0o755 },
      { name: 'd/l', type: '2', linkname: '..' },
      { name: 'e', type: '2', linkname: 'd/l/..' },
      { name: 'f', type: '2', linkname: 'e/evil' },
    ],
    setup: [{ type: 'write_file', path: '{workenv}/f', content: 'x' }],
    codes: ['UNSAFE_PATH'],
  },
  {
    name: 'sparse entries, each below the signed original_size (8 × 1 MiB from 8 stored bytes)',
    slot0: () => {
      const tar = buildTar(
        Array.from({ length: 8 }, (_, i) => ({
          name: `s${i}`,
          pax: {
            'GNU.sparse.size': String(1 << 20),
            'GNU.sparse.numblocks': '1',
            'GNU.sparse.map': `${(1 << 20) - 1},1`,
          },
          data: 'x',
        })),
      );
      return { bytes: gzipSync(tar), originalSize: 2 << 20, operations: 'tar.gz' };
    },
    codes: ['UNSAFE_ENTRY'],
  },
  {
    name: 'hard link out',
    entries: () => [{ name: 'h', type: '1', linkname: '/etc/passwd' }],
    codes: ['UNSAFE_ENTRY'],
  },
  {
    name: 'hard link inside',
    entries: () => [
      { name: 'f', data: 'x' },
      { name: 'h', type: '1', linkname: 'f' },
    ],
    codes: ['UNSAFE_ENTRY'],
  },
  { name: 'character device', entries: () => [{ name: 'null', type: '3' }], codes: ['UNSAFE_ENTRY'] },
  { name: 'block device', entries: () => [{ name: 'sda', type: '4' }], codes: ['UNSAFE_ENTRY'] },
  { name: 'FIFO', entries: () => [{ name: 'fifo', type: '6' }], codes: ['UNSAFE_ENTRY'] },
  {
    name: 'duplicate names',
    entries: () => [
      { name: 'run.sh', data: 'echo first\n', mode: 0o755 },
      { name: './run.sh', data: 'echo second\n', mode: 0o755 },
    ],
    codes: ['UNSAFE_ENTRY'],
  },
  {
    name: 'very long name (300-byte component)',
    entries: () => [{ name: 'ok', pax: { path: 'q'.repeat(300) }, data: 'x' }],
    codes: ['UNSAFE_PATH', 'IO_ERROR'],
  },
  {
    name: 'zip-bomb-like ratio: 64 MiB of zeros in ~64 KiB, declared as 1 MiB',
    slot0: () => {
      const tar = buildTar([{ name: 'bomb', data: zeros(64 << 20) }]);
      return { bytes: gzipSync(tar, { level: 9 }), originalSize: 1 << 20, operations: 'tar.gz' };
    },
    codes: ['PAYLOAD_TOO_LARGE'],
  },
  {
    name: 'decodes to more than the signed original_size',
    slot0: () => {
      const tar = buildTar([{ name: 'run.sh', data: `${'#'.repeat(5000)}\n`, mode: 0o755 }]);
      return { bytes: gzipSync(tar), originalSize: tar.length - 512, operations: 'tar.gz' };
    },
    codes: ['PAYLOAD_TOO_LARGE'],
  },
  {
    name: 'tar entry claiming 1 TiB',
    entries: () => [{ name: 'huge', pax: { size: String(2 ** 40) }, data: '' }],
    codes: ['PAYLOAD_TOO_LARGE', 'PAYLOAD_CORRUPT'],
  },
];

before(async () => {
  work = await tempDir('flavor-adv-archives-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
  await fs.rm(ABS, { recursive: true, force: true });
});

test('control: the same package shape with a harmless archive installs and runs', async () => {
  const file = await writePackage(path.join(work, 'ok.psp'), appPackage());
  const r = await launch(file, { cache: path.join(work, 'ok-cache'), home: work });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'genuine data\n');
});

describe('hostile archives in signed packages', { concurrency: 4 }, () => {
  cases.forEach((c, i) => {
    test(c.name, async () => {
      const dir = path.join(work, `case-${i}`);
      const cacheDir = path.join(dir, 'cache');
      await fs.mkdir(dir);
      const bytes = appPackage({
        ...(c.slot0 ? { slot0: c.slot0() } : { entries: c.entries!(dir) }),
        ...(c.setup ? { editMetadata: (m) => Object.assign(m, { setup_commands: c.setup }) } : {}),
      });
      const file = await writePackage(path.join(work, `case-${i}.psp`), bytes);
      const marker = path.join(work, `case-${i}.ran`);

      // A staging folder left by an earlier crashed install of this id must be cleaned by this run.
      const first = await launch(file, { cache: cacheDir, home: work, env: { MARKER: marker } });
      const id = (await fs.readdir(path.join(cacheDir, 'workenv')))
        .find((n) => n.endsWith('.lock'))
        ?.slice(0, -5);
      assert.ok(id, `no lock file: ${first.stderr}`);
      await fs.mkdir(path.join(cacheDir, 'workenv', `${id}.staging-crashed`, 'half'), { recursive: true });

      const r = await launch(file, { cache: cacheDir, home: work, env: { MARKER: marker } });
      for (const run of [first, r]) {
        assert.equal(run.code, 103, run.stderr);
        const code = launcherErrorCode(run.stderr);
        assert.ok(code && c.codes.includes(code), `launcher said: ${run.stderr}`);
        assert.equal(run.stdout, '');
      }
      assert.equal(await exists(marker), false, 'the app ran');
      // Nothing outside the staging folder, nothing left in the cache but the lock file.
      assert.deepEqual(await tree(dir), ['cache/', 'cache/workenv/', `cache/workenv/${id}.lock`]);
      assert.equal(await exists(ABS), false);
      assert.equal(await exists('/etc/passwd'), true);

      // flavor extract refuses the same slot and leaves nothing in its output.
      const out = path.join(dir, 'x');
      const x = await runFlavor(['extract', file, '0', path.join(out, 'out')]);
      assert.equal(x.code, 14, `flavor extract: ${x.stderr}`);
      assert.ok(
        (await tree(out)).every((p) => p === 'out/'),
        `extract left ${(await tree(out)).join(', ')}`,
      );
      assert.equal(await exists(ABS), false);
    });
  });
});
