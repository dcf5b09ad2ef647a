// The portable runtime through `flavor pack`: examples/hello packed with --python <portable linux_amd64
// interpreter> goes through the same runtime assembly as any interpreter, and the package runs in a
// Debian 11 root (glibc 2.31, older than this machine's) — where a package built around this machine's
// interpreter fails with "GLIBC_2.3x not found".

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findPortableRuntime } from '../../../src/python/portable/build.js';
import { buildCacheDir } from '../../../src/workenv/paths.js';
import { REPO_ROOT, runFlavor, tempDir } from '../../helpers/cli.js';
import { missing } from '../helpers.js';

const ROOT = join(
  process.env['FLAVOR_USERLAND_DIR'] ?? join(REPO_ROOT, '.cache', 'userland'),
  'bullseye-amd64',
);
const runtime = await findPortableRuntime({
  python: '3.13',
  target: 'linux_amd64',
  buildCacheDir: buildCacheDir(),
});
const skip =
  process.arch !== 'x64'
    ? 'an x86-64 host runs the linux_amd64 runtime'
    : !runtime
      ? missing('the portable runtime for linux_amd64 (flavor runtime build --python 3.13)')
      : process.getuid?.() !== 0 || !existsSync(join(ROOT, '.complete'))
        ? missing(`root and a Debian 11 root in ${ROOT} (scripts/setup-old-userland.sh)`)
        : false;

const inRoot = join(ROOT, 'tmp', `flavor-portable-${process.pid}`);
after(() => rmSync(inRoot, { recursive: true, force: true }));

test('examples/hello packed with the portable runtime runs on Debian 11 (glibc 2.31)', { skip }, async () => {
  const dir = await tempDir('flavor-portable-pack-');
  const pkg = join(dir, 'hello.psp');
  const packed = await runFlavor(
    [
      'pack',
      '-m',
      'examples/hello/pyproject.toml',
      '--python',
      runtime!.executable,
      '-o',
      pkg,
      '--key-seed',
      'portable',
    ],
    { timeoutMs: 300_000, env: { FLAVOR_BUILD_CACHE: join(REPO_ROOT, '.cache', 'test-build-cache') } },
  );
  assert.equal(packed.code, 0, packed.stderr);
  mkdirSync(inRoot, { recursive: true });
  copyFileSync(pkg, join(inRoot, 'hello.psp'));
  const inside = `/tmp/flavor-portable-${process.pid}`;
  const run = spawnSync('chroot', [ROOT, `${inside}/hello.psp`, 'portable'], {
    env: { PATH: '/usr/bin:/bin', HOME: inside, FLAVOR_CACHE: `${inside}/cache` },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /Hello, portable!\nPython 3\.13\.5 /);
});
