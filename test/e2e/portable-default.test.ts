// Issue 13's "done when": `flavor pack` with default settings builds Linux packages around the portable
// runtime (glibc ≥ 2.17), so examples/hello, cli and native run in a Debian 11 root (glibc 2.31, older
// than the build machine's), and `--platform linux_arm64` (cross-built) runs them under qemu-aarch64 with
// the Debian 11 arm64 root. The runtimes come from the runtime cache (scripts/setup-portable-runtime.sh
// builds them in CI): missing, these tests fail under CI=true and skip elsewhere, saying so.

import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { findPortableRuntime, type PortableTarget } from '../../src/python/portable/build.js';
import { portableVersionFor } from '../../src/python/portable/choose.js';
import { REPO_ROOT, runFlavor, TEST_RUNTIME_CACHE, tempDir } from '../helpers/cli.js';
import { runInRoot, runUnderQemu, userland } from '../helpers/old-userland.js';

const MINOR = portableVersionFor([])!;
const BUILD_CACHE = path.join(REPO_ROOT, '.cache', 'test-build-cache');
/** Where the set-up built the runtimes: the packs look there too (runFlavor sets it). */
const RUNTIMES = TEST_RUNTIME_CACHE;

interface Example {
  dir: string;
  args: string[];
  expect: RegExp;
}

const EXAMPLES: Record<string, Example> = {
  hello: { dir: 'examples/hello', args: ['old'], expect: /Hello, old!\nPython 3\.13\.\d+ \(cpython\)/ },
  cli: { dir: 'examples/cli', args: ['--count', '2'], expect: /Hello[^\n]*\n[\s\S]*Hello/ },
  native: { dir: 'examples/native', args: [], expect: /libyaml/ },
};

/** The cached portable runtimes `targets` need, or a failure (CI) / skip (elsewhere). */
async function runtimesOrSkip(t: TestContext, targets: PortableTarget[]): Promise<boolean> {
  const missing: string[] = [];
  for (const target of targets) {
    const found = await findPortableRuntime({
      python: MINOR,
      target,
      buildCacheDir: BUILD_CACHE,
      env: { FLAVOR_RUNTIME_CACHE: RUNTIMES },
    });
    if (!found) missing.push(target);
  }
  if (missing.length === 0) return true;
  const message = `the portable Python ${MINOR} runtime is not built for ${missing.join(', ')} (scripts/setup-portable-runtime.sh)`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/** `flavor pack` of an example with default settings (no --python), optionally for another platform. */
async function packDefault(example: Example, out: string, platform?: string): Promise<string> {
  const r = await runFlavor(
    [
      'pack',
      '-m',
      path.join(example.dir, 'pyproject.toml'),
      '-o',
      out,
      '--key-seed',
      'portable-default',
      ...(platform ? ['--platform', platform] : []),
    ],
    { timeoutMs: 600_000, env: { FLAVOR_BUILD_CACHE: BUILD_CACHE, FLAVOR_RUNTIME_CACHE: RUNTIMES } },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /refuse to start it|packing with an interpreter of this machine/, r.stderr);
  return out;
}

test('default packs of hello, cli and native need glibc 2.17 and run in the Debian 11 root', async (t) => {
  if (process.arch !== 'x64') return t.skip('an x86-64 host');
  if (!(await runtimesOrSkip(t, ['linux_amd64']))) return;
  const root = userland(t, 'amd64');
  if (!root) return;
  const work = await tempDir('flavor-portable-default-');
  for (const [name, example] of Object.entries(EXAMPLES)) {
    const pkg = await packDefault(example, path.join(work, `${name}.psp`));
    const inspect = await runFlavor(['inspect', '--json', pkg]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const doc = JSON.parse(inspect.stdout) as {
      launcher: { platform: string | null };
      requires: { glibc: string | null };
    };
    assert.deepEqual([doc.launcher.platform, doc.requires.glibc], ['linux_amd64', '2.17'], name);
    const run = await runInRoot(root, pkg, { args: example.args, timeoutMs: 120_000 });
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    assert.match(run.stdout, example.expect, name);
  }
});

test('--platform linux_arm64 packs cli and native around the cross-built runtime; they run under qemu', async (t) => {
  if (process.arch !== 'x64') return t.skip('an x86-64 host cross-builds for arm64');
  if (!(await runtimesOrSkip(t, ['linux_arm64', 'linux_amd64']))) return;
  const root = userland(t, 'arm64');
  if (!root) return;
  const work = await tempDir('flavor-portable-arm64-');
  for (const name of ['cli', 'native'] as const) {
    const example = EXAMPLES[name]!;
    const pkg = await packDefault(example, path.join(work, `${name}-arm64.psp`), 'linux_arm64');
    const inspect = await runFlavor(['inspect', '--json', pkg]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const doc = JSON.parse(inspect.stdout) as {
      launcher: { platform: string | null };
      requires: { glibc: string | null };
    };
    assert.deepEqual([doc.launcher.platform, doc.requires.glibc], ['linux_arm64', '2.17'], name);
    const run = await runUnderQemu(root, pkg, { args: example.args, binfmt: true, timeoutMs: 300_000 });
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    assert.match(run.stdout, example.expect, name);
  }
});
