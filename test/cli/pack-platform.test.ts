// `flavor pack --platform P` on a Python project (issue 19, item 1): a target with no runtime source is
// refused before any work — no step runs, nothing is written next to the project — with the runtime source
// it needs; a --python-dist for another platform is refused the same way. (Before: exit 0 and a Mach-O or
// arm64 launcher around this machine's x86-64 CPython.)

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listDir, runFlavor, tempDir, writeTree } from '../helpers/cli.js';

let work: string;

before(async () => {
  work = await tempDir('flavor-pack-platform-');
  await writeTree(work, {
    'app/pyproject.toml': '[project]\nname = "app"\nversion = "1.0"\n[project.scripts]\napp = "app:main"\n',
    'app/app/__init__.py': 'def main():\n    return 0\n',
  });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function packFor(args: string[]) {
  const before = await listDir(work);
  const cache = path.join(work, 'cache');
  const result = await runFlavor(['pack', '-m', path.join(work, 'app', 'pyproject.toml'), ...args], {
    env: { FLAVOR_CACHE: cache, FLAVOR_BUILD_CACHE: path.join(cache, 'build') },
  });
  assert.deepEqual(await listDir(work), before, 'nothing is written before the refusal');
  assert.doesNotMatch(result.stderr + result.stdout, /reading pyproject|choosing the Python|installing/);
  return result;
}

for (const [platform, triple] of [['darwin_arm64', 'aarch64-apple-darwin']] as const) {
  test(`--platform ${platform} without a runtime source: exit 16, the hint names --python-dist for ${triple}`, async () => {
    const result = await packFor(['--platform', platform]);
    assert.equal(result.code, 16, result.stderr);
    assert.match(result.stderr, new RegExp(`flavor: error: no Python runtime for ${platform}`));
    assert.match(
      result.stderr,
      new RegExp(`hint: pass --python-dist <python-build-standalone archive for ${platform}>.*${triple}`),
    );
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
  });
}

test('--platform linux_arm64 with no portable runtime built and no way to build one: exit 16 naming the command', async () => {
  const before = await listDir(work);
  const cache = path.join(work, 'cache');
  const bare = await tempDir('flavor-no-tools-');
  const result = await runFlavor(
    ['pack', '-m', path.join(work, 'app', 'pyproject.toml'), '--platform', 'linux_arm64'],
    {
      env: {
        FLAVOR_CACHE: cache,
        FLAVOR_BUILD_CACHE: path.join(cache, 'build'),
        FLAVOR_RUNTIME_CACHE: path.join(cache, 'runtimes'),
        PATH: bare,
      },
    },
  );
  assert.equal(result.code, 16, result.stderr);
  assert.match(
    result.stderr,
    /flavor: error: no Python runtime for linux_arm64: the portable Python 3\.\d+ runtime for linux_arm64 is not built here, and this machine cannot build it \(missing apt-get/,
  );
  assert.match(
    result.stderr,
    /hint: build it once where it can be .*flavor runtime build --python 3\.\d+ --platform linux_arm64/,
  );
  assert.doesNotMatch(result.stderr + result.stdout, /installing|building the project/);
  assert.deepEqual(
    await listDir(work),
    [...before, 'cache'].sort(),
    'nothing is written next to the project',
  );
  await fs.rm(bare, { recursive: true, force: true });
});

test('--python-dist whose triple is another platform than --platform: exit 16 before any work', async () => {
  const archive = path.join(work, 'cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz');
  const result = await packFor(['--platform', 'darwin_arm64', '--python-dist', archive]);
  assert.equal(result.code, 16, result.stderr);
  assert.match(
    result.stderr,
    /is built for linux_amd64 \(x86_64-unknown-linux-gnu\), but the package targets darwin_arm64/,
  );
});

test('an unknown --platform is a usage error (exit 2), before the runtime is looked at', async () => {
  const result = await packFor(['--platform', 'plan9_mips']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /unknown platform "plan9_mips"/);
});
