// `flavor helpers test` (issue 19, item 8): every launcher that can run here runs a tiny signed package —
// the host's natively, linux_arm64 under qemu-aarch64-static, windows_amd64 under wine (with the
// bcryptprimitives shim) — and the others are reported with the reason. CI installs qemu-user-static and
// wine and builds those launchers (scripts/setup.sh): the runs are required there, not skipped.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hostPlatformName, LAUNCHER_DIR, launcherFileName } from '../../src/builder/launchers.js';
import { findWine } from '../../src/emulation/wine.js';
import { runFlavor } from '../helpers/cli.js';
import { missing } from '../python/helpers.js';

interface Result {
  name: string;
  platform: string;
  status: 'ok' | 'failed' | 'not-run';
  how?: string;
  detail: string;
  command?: string[];
}

// The prefix test/e2e/wine.test.ts uses (outside the repository: its z: drive links to /).
const ENV = {
  FLAVOR_WINE_PREFIX:
    process.env.FLAVOR_TEST_WINEPREFIX ?? path.join(os.homedir(), '.cache', 'flavorpack-test', 'wine-prefix'),
};

async function helpersTest(args: string[]) {
  const run = await runFlavor(['helpers', 'test', ...args], { env: ENV, timeoutMs: 600_000 });
  return run;
}

function launcherBuilt(platform: string): boolean {
  return existsSync(path.join(LAUNCHER_DIR, launcherFileName(platform)));
}

test('the host launcher runs natively; every launcher has a status and a reason', async () => {
  const run = await helpersTest(['--json', '--helper', hostPlatformName()]);
  assert.equal(run.code, 0, run.stderr);
  const { results } = JSON.parse(run.stdout) as { results: Result[] };
  assert.equal(results.length, 1);
  assert.deepEqual(
    [results[0]?.status, results[0]?.how, results[0]?.detail],
    ['ok', 'natively', 'ran a test package natively'],
  );
});

test('linux_arm64 runs under qemu-aarch64-static', async (t) => {
  const why =
    spawnSync('qemu-aarch64-static', ['--version']).status === 0 ? false : missing('qemu-aarch64-static');
  if (why) return t.skip(why);
  if (!launcherBuilt('linux_arm64')) {
    const reason = missing('the linux_arm64 launcher (scripts/setup.sh builds it)');
    if (reason) return t.skip(reason);
  }
  const run = await helpersTest(['--helper', 'flavor-launcher-linux_arm64', '--verbose']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /^ok +flavor-launcher-linux_arm64: ran a test package under qemu-aarch64-static$/m,
  );
  assert.match(
    run.stderr,
    /\$ \S*qemu-aarch64-static \S+hello\.psp arg\n {2}exit 0\n {2}stdout: helper-test-ok arg/,
  );
});

test('windows_amd64 runs under wine with the bcryptprimitives shim', async (t) => {
  const tools = findWine();
  const why = 'missing' in tools ? missing(tools.missing.join(', ')) : false;
  if (why) return t.skip(why);
  if (!launcherBuilt('windows_amd64')) {
    const reason = missing('the windows_amd64 launcher (scripts/setup.sh builds it)');
    if (reason) return t.skip(reason);
  }
  const run = await helpersTest(['--helper', 'windows_amd64', '--json']);
  const { results } = JSON.parse(run.stdout) as { results: Result[] };
  assert.equal(results[0]?.status, 'ok', JSON.stringify(results[0], null, 2));
  assert.match(results[0]?.how ?? '', /^under wine(64)?$/);
  assert.equal(run.code, 0);
});

test('a launcher that cannot run here is reported with why; exit 1 only when --helper asked for it', async () => {
  const darwin = path.join(LAUNCHER_DIR, launcherFileName('darwin_arm64'));
  if (!existsSync(darwin)) {
    // Built on demand (a cross build: no emulator needed to check the report).
    const built = await runFlavor(['helpers', 'build', '--platform', 'darwin_arm64'], { timeoutMs: 300_000 });
    assert.equal(built.code, 0, built.stderr);
  }
  const only = await helpersTest(['--helper', 'darwin_arm64']);
  assert.equal(only.code, 1, 'asked for exactly a launcher that cannot run: a failure');
  assert.match(
    only.stdout,
    /^not run flavor-launcher-darwin_arm64: darwin arm64 header valid; not run: macOS executables cannot run on this machine \(no emulator\): test it on a Mac$/m,
  );
  const all = await helpersTest(['--json']);
  const { results } = JSON.parse(all.stdout) as { results: Result[] };
  const mac = results.find((r) => r.platform === 'darwin_arm64');
  assert.equal(mac?.status, 'not-run');
  const failed = results.filter((r) => r.status === 'failed');
  assert.equal(all.code, failed.length > 0 ? 1 : 0, JSON.stringify(failed, null, 2));
});

test('--helper with no such launcher is NOT_FOUND naming the built ones', async () => {
  const run = await helpersTest(['--helper', 'flavor-launcher-plan9_mips']);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /flavor: error: no launcher "flavor-launcher-plan9_mips"/);
  assert.match(run.stderr, /hint: see `flavor helpers list` \(built: .*flavor-launcher-/);
});
