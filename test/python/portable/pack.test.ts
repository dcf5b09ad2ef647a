// The portable runtime through `flavor pack`: examples/hello packed with --python <portable linux_amd64
// interpreter> goes through the same runtime assembly as any interpreter, records glibc 2.17 as its need,
// and runs in a Debian 11 root (glibc 2.31, older than this machine's) — where a package built around
// this machine's interpreter is refused (GLIBC_REQUIRED).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { findPortableRuntime } from '../../../src/python/portable/build.js';
import { buildCacheDir } from '../../../src/workenv/paths.js';
import { REPO_ROOT, runFlavor, tempDir } from '../../helpers/cli.js';
import { runInRoot, userland } from '../../helpers/old-userland.js';

test('examples/hello packed with the portable runtime runs on Debian 11 (glibc 2.31)', async (t) => {
  if (process.arch !== 'x64') return t.skip('an x86-64 host runs the linux_amd64 runtime');
  const runtime = await findPortableRuntime({
    python: '3.13',
    target: 'linux_amd64',
    buildCacheDir: buildCacheDir(),
  });
  // Not built by CI yet (test/python/portable/runtime.test.ts says why).
  if (!runtime)
    return t.skip('the portable runtime for linux_amd64 is not built here (flavor runtime build)');
  const root = userland(t, 'amd64');
  if (!root) return;
  const pkg = join(await tempDir('flavor-portable-pack-'), 'hello.psp');
  const packed = await runFlavor(
    [
      'pack',
      '-m',
      'examples/hello/pyproject.toml',
      '--python',
      runtime.executable,
      '-o',
      pkg,
      '--key-seed',
      'portable',
    ],
    { timeoutMs: 300_000, env: { FLAVOR_BUILD_CACHE: join(REPO_ROOT, '.cache', 'test-build-cache') } },
  );
  assert.equal(packed.code, 0, packed.stderr);
  assert.match(packed.stderr, /needs glibc ≥ 2\.17\b/);
  const run = await runInRoot(root, pkg, { args: ['portable'] });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /Hello, portable!\nPython 3\.13\.5 /);
});
