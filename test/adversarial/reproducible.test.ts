// Reproducibility with the REAL launcher and an embedded trust key (test/cli/reproducible.test.ts covers
// the builder with a stand-in launcher): the same app packed twice with `flavor pack --manifest`, in
// different temp folders, with different umask, TZ, locale and file creation order, gives identical bytes
// (same key, same SOURCE_DATE_EPOCH) — and therefore the same workenv id.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { APP_SCRIPT, cacheEntries, hex, KEY, LAUNCHER_BIN, launch } from '../helpers/adversarial.js';
import { runFlavor, tempDir, writeJson } from '../helpers/cli.js';

const FILES: Array<[string, string, number]> = [
  ['app/run.sh', APP_SCRIPT, 0o755],
  ['app/lib/a.txt', 'a\n'.repeat(500), 0o644],
  ['app/lib/z/deep.txt', 'deep\n', 0o600],
  ['data.txt', 'genuine data\n', 0o644],
];
const dirs: string[] = [];

async function packIn(
  order: 'forward' | 'reverse',
  umask: number,
  env: Record<string, string>,
): Promise<Buffer> {
  const dir = await tempDir(`flavor-adv-repro-${order}-`);
  dirs.push(dir);
  for (const [rel, content, mode] of order === 'forward' ? FILES : [...FILES].reverse()) {
    await fs.mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
    await fs.chmod(path.join(dir, rel), mode);
    const t = order === 'forward' ? 1_000_000 : 2_000_000_000;
    await fs.utimes(path.join(dir, rel), t, t);
  }
  await fs.symlink('a.txt', path.join(dir, 'app/lib/link'));
  await writeJson(path.join(dir, 'm.json'), {
    package: { name: 'repro', version: '1.0.0' },
    execution: { command: '/bin/sh {workenv}/run.sh' },
    slots: [
      { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.zst' },
      {
        id: 'data',
        source: 'data.txt',
        target: '{workenv}/data.txt',
        operations: 'gzip',
        permissions: '0644',
      },
    ],
  });
  const r = await runFlavor(
    [
      'pack',
      '-m',
      'm.json',
      '-o',
      'out.psp',
      '--launcher-bin',
      LAUNCHER_BIN,
      '--key-seed',
      'adversarial-suite-publisher',
      '--trust-key',
      hex(KEY.publicKeyRaw),
      '--quiet',
    ],
    { cwd: dir, umask, env: { SOURCE_DATE_EPOCH: '1767225600', ...env } },
  );
  assert.equal(r.code, 0, r.stderr);
  return fs.readFile(path.join(dir, 'out.psp'));
}

after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

test('two builds in different folders, umask, TZ, locale and file order are byte-identical and share a workenv', async () => {
  const a = await packIn('forward', 0o022, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
  const b = await packIn('reverse', 0o077, {
    TZ: 'Pacific/Kiritimati',
    LANG: 'de_DE.UTF-8',
    LC_ALL: 'tr_TR.UTF-8',
  });
  const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
  assert.equal(a.length, b.length);
  assert.equal(sha(a), sha(b));
  // Both run, from one workenv (same signed metadata → same id).
  const cache = path.join(dirs[0]!, 'cache');
  for (const d of dirs) {
    const r = await launch(path.join(d, 'out.psp'), { cache, home: d });
    assert.equal(r.stdout, 'genuine data\n', r.stderr);
  }
  assert.equal((await cacheEntries(cache)).filter((e) => e.endsWith('.ready')).length, 1);
});
