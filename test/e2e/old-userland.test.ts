// Packages on an old userland (docs/launcher.md, "Testing on old systems"): a Debian 11 root (glibc 2.31)
// from scripts/setup-old-userland.sh, entered with chroot as root, and its arm64 twin used by
// qemu-aarch64-static. Under CI=true a missing root, qemu or root privileges fail these tests.
//
// - a build-manifest package (Go launcher, no Python) runs there, with /proc and without it (the launcher
//   then finds its own file through AT_EXECFN);
// - a Python package packed with this machine's interpreter (--python) needs this machine's glibc: in the
//   old root the launcher refuses it with GLIBC_REQUIRED (exit 109) before extracting anything, instead
//   of the dynamic loader's "version `GLIBC_2.34' not found";
// - the linux_arm64 launcher runs a manifest package under qemu and reads the arm64 root's glibc.

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { thisMachineLibc } from '../../src/format/glibc.js';
import { REPO_ROOT, runFlavor, tempDir, writeJson, writeLauncher, writeTree } from '../helpers/cli.js';
import { runInRoot, runUnderQemu, userland } from '../helpers/old-userland.js';

let work: string;

const APP = '#!/bin/sh\necho "hello from $(cat /etc/debian_version 2>/dev/null || echo ?)" "$@"\n';

/** Packs the shell-script manifest package for `platform` with `launcher`. */
async function packManifest(name: string, launcher: string, platform?: string): Promise<string> {
  const src = path.join(work, `src-${name}`);
  await writeTree(src, { 'app/run.sh': APP });
  await fs.chmod(path.join(src, 'app', 'run.sh'), 0o755);
  await writeJson(path.join(src, 'flavor.json'), {
    package: { name, version: '1.0.0' },
    execution: { command: '/bin/sh {workenv}/run.sh' },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' }],
  });
  const out = path.join(work, `${name}.psp`);
  const r = await runFlavor(
    [
      'pack',
      '-m',
      'flavor.json',
      '-o',
      out,
      '--launcher-bin',
      launcher,
      '--key-seed',
      'old-userland',
      ...(platform ? ['--platform', platform] : []),
    ],
    { cwd: src },
  );
  assert.equal(r.code, 0, r.stderr);
  return out;
}

before(async () => {
  work = await tempDir('flavor-old-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('a manifest package runs in the Debian 11 root, with and without /proc', async (t) => {
  const root = userland(t, 'amd64');
  if (!root) return;
  const pkg = await packManifest('old-manifest', await writeLauncher(work));
  for (const proc of [true, false]) {
    const r = await runInRoot(root, pkg, { proc, args: ['a1'] });
    assert.equal(r.code, 0, `proc ${proc}: ${r.stderr}`);
    assert.match(r.stdout, /^hello from 11\.\d+ a1\n$/, `proc ${proc}`);
    assert.doesNotMatch(r.stderr, /proc\/self\/exe/);
  }
  // argv[0] names no file: only AT_EXECFN (the path given to execve) leads to the package.
  const renamed = await runInRoot(root, pkg, { proc: false, argv0: 'no-such-name', args: ['a2'] });
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.match(renamed.stdout, /^hello from 11\.\d+ a2\n$/);
  const info = await runInRoot(root, pkg, { proc: false, env: { FLAVOR_LAUNCHER_CLI: '1' }, args: ['info'] });
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^requires: +no particular C library$/m);
  assert.match(info.stdout, /^this libc: +glibc 2\.31 \(\/lib\/x86_64-linux-gnu\/libc\.so\.6\)$/m);
  assert.match(info.stdout, /^package: +\/tmp\/flavor-old-[0-9a-f]+\/old-manifest\.psp /m);
});

test("a package packed with this machine's Python is refused in the old root with GLIBC_REQUIRED, nothing extracted", async (t) => {
  const root = userland(t, 'amd64');
  if (!root) return;
  const host = thisMachineLibc();
  assert.equal(host.kind, 'glibc', 'the test machine runs glibc');
  const out = path.join(work, 'hello.psp');
  const packed = await runFlavor([
    'pack',
    '-m',
    path.join(REPO_ROOT, 'examples', 'hello', 'pyproject.toml'),
    '--python',
    '/usr/bin/python3',
    '-o',
    out,
    '--key-seed',
    'old-userland',
  ]);
  assert.equal(packed.code, 0, packed.stderr);
  assert.match(
    packed.stderr,
    /warning: --python \/usr\/bin\/python3: the package needs glibc ≥ 2\.\d+, as the build machine has/,
  );
  const inspected = await runFlavor(['inspect', out, '--json']);
  const needs = (JSON.parse(inspected.stdout) as { requires: { glibc: string } }).requires.glibc;
  assert.match(
    needs,
    /^2\.(3[2-9]|[4-9]\d)$/,
    'this machine (Debian 12) makes packages that need more than 2.31',
  );

  const r = await runInRoot(root, out, { args: ['--name', 'old'] });
  assert.equal(r.code, 109, r.stderr);
  assert.equal(
    r.stderr.split('\n')[0],
    `hello.psp: error: this package needs glibc ≥ ${needs}, this machine has glibc 2.31 [GLIBC_REQUIRED]`,
  );
  assert.match(
    r.stderr,
    /^hello\.psp: hint: run it on a newer Linux, or rebuild the package .*portable runtime/m,
  );
  assert.doesNotMatch(r.stderr, /version `GLIBC_/, "not the dynamic loader's error");
  assert.equal(r.stdout, '');
  assert.deepEqual(r.cacheEntries, [], 'nothing is extracted');
});

test('the linux_arm64 launcher runs a manifest package under qemu-aarch64-static and reads the arm64 glibc', async (t) => {
  const root = userland(t, 'arm64');
  if (!root) return;
  const built = await runFlavor(['helpers', 'build', '--platform', 'linux_arm64'], { timeoutMs: 600_000 });
  assert.equal(built.code, 0, built.stderr);
  const launcher = path.join(REPO_ROOT, 'dist', 'launchers', 'flavor-launcher-linux_arm64');
  const pkg = await packManifest('arm-manifest', launcher, 'linux_arm64');
  const info = await runUnderQemu(root, pkg, { env: { FLAVOR_LAUNCHER_CLI: '1' }, args: ['info'] });
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /^launcher: .*\(linux\/arm64\)$/m);
  assert.match(info.stdout, /^this libc: +glibc 2\.31 \(.*\/lib\/aarch64-linux-gnu\/libc\.so\.6\)$/m);
  // The launcher (emulated) verifies, extracts and execs the app's /bin/sh; without binfmt_misc the
  // kernel runs that child natively, so the script sees this machine's files.
  const r = await runUnderQemu(root, pkg, { args: ['arm'] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hello from .* arm\n$/);
  assert.ok(
    r.cacheEntries.some((e) => e.startsWith('workenv/arm-manifest-1.0.0-')),
    r.cacheEntries.join(', '),
  );
});

test('under qemu with a binfmt_misc entry, the arm64 programs the app starts run too (what an arm64 Python needs)', async (t) => {
  const root = userland(t, 'arm64');
  if (!root) return;
  const launcher = path.join(REPO_ROOT, 'dist', 'launchers', 'flavor-launcher-linux_arm64');
  assert.ok(existsSync(launcher), 'the linux_arm64 launcher (built by the test above)');
  const src = path.join(work, 'src-arm-native');
  await fs.mkdir(path.join(src, 'app'), { recursive: true });
  await fs.copyFile(path.join(root, 'usr', 'bin', 'uname'), path.join(src, 'app', 'uname'));
  await writeJson(path.join(src, 'flavor.json'), {
    package: { name: 'arm-native', version: '1.0.0' },
    execution: { command: '{workenv}/uname -m' },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' }],
  });
  const pkg = path.join(work, 'arm-native.psp');
  const packed = await runFlavor(
    [
      'pack',
      '-m',
      'flavor.json',
      '-o',
      pkg,
      '--launcher-bin',
      launcher,
      '--platform',
      'linux_arm64',
      '--key-seed',
      'x',
    ],
    { cwd: src },
  );
  assert.equal(packed.code, 0, packed.stderr);
  const without = await runUnderQemu(root, pkg);
  assert.notEqual(without.code, 0, 'without binfmt_misc the kernel cannot start an arm64 child');
  const r = await runUnderQemu(root, pkg, { binfmt: true });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'aarch64\n');
});
