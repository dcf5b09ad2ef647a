// examples/slots: [[tool.flavor.slots]] packed with the real CLI. `flavor inspect --json` shows each extra
// slot after the built-in ones with its lifecycle, target, platform and compression; the Go launcher
// extracts only this machine's platform slot, and the app reads its persistent config and its data.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseJson, REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { missing, TEST_BUILD_CACHE, TEST_PYTHON } from '../python/helpers.js';

const PY = TEST_PYTHON ?? (missing('a CPython >= 3.9') as never);
const HOST_OS = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as Record<string, string>)[
  process.platform
];

let dir: string;
let pkg: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-e2e-slots-'));
  const project = path.join(dir, 'slots');
  await fs.cp(path.join(REPO_ROOT, 'examples', 'slots'), project, {
    recursive: true,
    filter: (src) => !/[\\/](dist|build|[^\\/]*\.egg-info)$/.test(src),
  });
  pkg = path.join(dir, 'slots-demo.psp');
  const r = await runFlavor(
    [
      'pack',
      '--manifest',
      path.join(project, 'pyproject.toml'),
      '--output',
      pkg,
      '--key-seed',
      'e2e',
      '--python',
      PY.path,
      '--strict',
    ],
    { env: { FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE }, timeoutMs: 600_000 },
  );
  assert.equal(r.code, 0, `pack examples/slots failed:\n${r.stderr}`);
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('flavor inspect --json shows the extra slots after the built-in ones', async () => {
  const r = await runFlavor(['inspect', pkg, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const slots = parseJson(r.stdout).slots as Record<string, unknown>[];
  const pick = (s: Record<string, unknown>) => ({
    id: s.id,
    lifecycle: s.lifecycle,
    target: s.target,
    platform: s.platform,
    operations: s.operations,
    purpose: s.purpose,
  });
  assert.equal(slots[5]!.permissions, '0644');
  assert.deepEqual(
    slots.map((s) => s.id),
    ['runtime', 'site-packages', 'app', 'data', 'config', 'banner', 'platform-linux', 'platform-darwin'],
  );
  assert.deepEqual(slots.slice(3).map(pick), [
    {
      id: 'data',
      lifecycle: 'lazy',
      target: '{workenv}/data',
      platform: null,
      operations: 'tar.xz',
      purpose: 'data',
    },
    {
      id: 'config',
      lifecycle: 'persistent',
      target: '{workenv}/config',
      platform: null,
      operations: 'tar.zst',
      purpose: 'config',
    },
    {
      id: 'banner',
      lifecycle: 'runtime',
      target: '{workenv}/banner.txt',
      platform: null,
      operations: 'zstd',
      purpose: 'data',
    },
    {
      id: 'platform-linux',
      lifecycle: 'runtime',
      target: '{workenv}/platform',
      platform: 'linux',
      operations: 'tar.gz',
      purpose: 'data',
    },
    {
      id: 'platform-darwin',
      lifecycle: 'runtime',
      target: '{workenv}/platform',
      platform: 'darwin',
      operations: 'tar.gz',
      purpose: 'data',
    },
  ]);
});

test('the launcher extracts only this machine’s platform slot; the app uses config and data', () => {
  const env = { PATH: '/usr/bin:/bin', HOME: path.join(dir, 'home'), FLAVOR_CACHE: path.join(dir, 'cache') };
  const run = (...args: string[]) => spawnSync(pkg, args, { encoding: 'utf8', env, timeout: 120_000 });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^slots-demo: every extra slot of this package is declared in/);
  assert.match(first.stdout, /^Hello from slots-demo 1\.0\.0 \(run 1\)$/m);
  assert.match(first.stdout, new RegExp(`^platform: ${HOST_OS}: files only a `, 'm'));
  const cache = path.join(dir, 'cache');
  const configLine = first.stdout.match(/^config: (.+)$/m)?.[1] ?? '';
  assert.ok(
    configLine.startsWith(path.join(cache, 'persistent') + path.sep),
    `the persistent config lives in the package's persistent store, not the workenv: ${configLine}`,
  );
  const [installed] = readdirSync(path.join(cache, 'workenv')).filter((n) =>
    /^slots-demo-1\.0\.0-[0-9a-f]{16}$/.test(n),
  );
  assert.equal(
    existsSync(path.join(cache, 'workenv', installed!, 'data')),
    false,
    'the lazy data slot is not extracted before it is requested',
  );
  const second = run('--data');
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /\(run 2\)$/m, 'the config written by the first run is read by the second');
  assert.match(second.stdout, /^data: 6 words \(anise, basil, cardamom, dill, fennel, ginger\) from \//m);
  assert.match(second.stdout, /^data: requested with flavor_runtime\.ensure_slot\("data"\)$/m);
  const workenvs = path.join(dir, 'cache', 'workenv');
  const [workenv] = readdirSync(workenvs).filter((n) => /^slots-demo-1\.0\.0-[0-9a-f]{16}$/.test(n));
  const info = readFileSync(path.join(workenvs, workenv!, 'platform', 'info.txt'), 'utf8');
  assert.equal(info.split(':')[0], HOST_OS, 'only this OS’s files are in the workenv');
  assert.equal(statSync(path.join(workenvs, workenv!, 'banner.txt')).mode & 0o777, 0o644);
});
