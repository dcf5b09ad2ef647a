// One place picks the runtime source per target (issue 19): a target no source supplies is refused with
// the source it needs; a --python / --python-dist for another platform is refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlavorError } from '../../src/errors.js';
import { parseDistName } from '../../src/python/python-dist.js';
import {
  platformOfSysconfig,
  type RuntimeSource,
  selectRuntimeSource,
} from '../../src/python/runtime-sources.js';
import { TEST_PYTHON } from './helpers.js';

const HOST = 'linux_amd64';
const env = process.env;

function refusedWith(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof FlavorError, String(error));
    assert.equal(error.code, code);
    assert.match(`${error.message}\n${error.hint ?? ''}`, pattern);
    return true;
  };
}

test('Linux targets default to the portable runtime, the host platform included (native there)', async () => {
  const host = await selectRuntimeSource({ platform: HOST, host: HOST, env });
  assert.deepEqual([host.kind, host.platform, host.native], ['portable-linux', HOST, true]);
  const arm = await selectRuntimeSource({ platform: 'linux_arm64', host: HOST, env });
  assert.deepEqual([arm.kind, arm.platform, arm.native], ['portable-linux', 'linux_arm64', false]);
});

test('without an extra source the host platform is built around an interpreter of this machine', async () => {
  const choice = await selectRuntimeSource({ platform: HOST, host: HOST, env }, []);
  assert.deepEqual([choice.kind, choice.platform, choice.native], ['host-interpreter', HOST, true]);
  const mac = await selectRuntimeSource({ platform: 'darwin_arm64', host: 'darwin_arm64', env });
  assert.deepEqual([mac.kind, mac.native], ['host-interpreter', true]);
});

for (const [platform, triple] of [
  ['darwin_arm64', 'aarch64-apple-darwin'],
  ['darwin_amd64', 'x86_64-apple-darwin'],
  ['linux_arm64', 'aarch64-unknown-linux-gnu'],
  ['windows_amd64', 'x86_64-pc-windows-msvc'],
] as const) {
  test(`${platform} without a runtime source is refused, naming --python-dist for ${triple}`, async () => {
    await assert.rejects(
      selectRuntimeSource({ platform, host: HOST, env }, []),
      refusedWith(
        'RUNTIME_UNAVAILABLE',
        new RegExp(
          `no Python runtime for ${platform}[^]*--python-dist <python-build-standalone archive for ${platform}>[^]*${triple}`,
        ),
      ),
    );
  });
}

test('an extra runtime source (Windows embeddable, portable Linux) supplies its targets only', async () => {
  const windows: RuntimeSource = {
    kind: 'windows-embed',
    description: 'the Windows embeddable CPython',
    supplies: (p) => p === 'windows_amd64',
  };
  const choice = await selectRuntimeSource({ platform: 'windows_amd64', host: HOST, env }, [windows]);
  assert.deepEqual([choice.kind, choice.native], ['windows-embed', false]);
  await assert.rejects(
    selectRuntimeSource({ platform: 'darwin_arm64', host: HOST, env }, [windows]),
    refusedWith('RUNTIME_UNAVAILABLE', /darwin_arm64/),
  );
});

test('--python-dist supplies any target its triple names; another triple is refused', async () => {
  const arm = '/x/cpython-3.12.7+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz';
  const choice = await selectRuntimeSource({ platform: 'linux_arm64', host: HOST, pythonDist: arm, env });
  assert.deepEqual([choice.kind, choice.native], ['python-dist', false]);
  const mac = '/x/cpython-3.12.7+20241016-aarch64-apple-darwin-install_only.tar.gz';
  assert.equal(
    (await selectRuntimeSource({ platform: 'darwin_arm64', host: HOST, pythonDist: mac, env })).kind,
    'python-dist',
  );
  await assert.rejects(
    selectRuntimeSource({ platform: 'linux_amd64', host: HOST, pythonDist: arm, env }),
    refusedWith(
      'RUNTIME_PLATFORM_MISMATCH',
      /built for linux_arm64 \(aarch64-unknown-linux-gnu\), but the package targets linux_amd64/,
    ),
  );
  // A name without a triple: the platform is read from the interpreter inside, after extraction.
  const renamed = await selectRuntimeSource({
    platform: 'darwin_arm64',
    host: HOST,
    pythonDist: '/x/python.tar.gz',
    env,
  });
  assert.equal(renamed.kind, 'python-dist');
});

test('--python and --python-dist together are a usage error', async () => {
  await assert.rejects(
    selectRuntimeSource({
      platform: HOST,
      host: HOST,
      python: '/usr/bin/python3',
      pythonDist: '/x.tar.gz',
      env,
    }),
    refusedWith('USAGE', /cannot be used together/),
  );
});

test('--python for another platform than the target is refused (probed, not guessed)', async (t) => {
  if (!TEST_PYTHON) return t.skip('no usable interpreter on this machine');
  const host = platformOfSysconfig(TEST_PYTHON.info.platform);
  assert.ok(host);
  await assert.rejects(
    selectRuntimeSource({ platform: 'linux_arm64', host, python: TEST_PYTHON.path, env }),
    refusedWith('RUNTIME_PLATFORM_MISMATCH', new RegExp(`is a ${host} interpreter[^]*targets linux_arm64`)),
  );
  const ok = await selectRuntimeSource({ platform: host, host, python: TEST_PYTHON.path, env });
  assert.equal(ok.kind, 'host-interpreter');
});

test('sysconfig platforms map to ours', () => {
  const cases: Array<[string, string | undefined]> = [
    ['linux-x86_64', 'linux_amd64'],
    ['linux-aarch64', 'linux_arm64'],
    ['macosx-11.0-arm64', 'darwin_arm64'],
    ['macosx-10.9-x86_64', 'darwin_amd64'],
    ['macosx-10.9-universal2', undefined],
    ['win-amd64', 'windows_amd64'],
    ['win-arm64', 'windows_arm64'],
    ['win32', undefined],
    ['linux-armv7l', undefined],
  ];
  for (const [sysconfig, ours] of cases) assert.equal(platformOfSysconfig(sysconfig), ours, sysconfig);
});

test('python-build-standalone archive names: version, release, triple, platform', () => {
  const cases: Array<[string, [string, string, string, string | undefined] | undefined]> = [
    [
      'cpython-3.12.7+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz',
      ['3.12.7', '20241016', 'aarch64-unknown-linux-gnu', 'linux_arm64'],
    ],
    [
      'cpython-3.13.1+20250115-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz',
      ['3.13.1', '20250115', 'x86_64-unknown-linux-gnu', 'linux_amd64'],
    ],
    [
      'cpython-3.11.9+20240814-x86_64_v3-unknown-linux-gnu-install_only.tar.gz',
      ['3.11.9', '20240814', 'x86_64_v3-unknown-linux-gnu', 'linux_amd64'],
    ],
    [
      'cpython-3.12.7+20241016-aarch64-apple-darwin-pgo+lto-full.tar.zst',
      ['3.12.7', '20241016', 'aarch64-apple-darwin', 'darwin_arm64'],
    ],
    [
      'cpython-3.12.7+20241016-x86_64-pc-windows-msvc-shared-install_only.tar.gz',
      ['3.12.7', '20241016', 'x86_64-pc-windows-msvc-shared', 'windows_amd64'],
    ],
    [
      'cpython-3.12.7+20241016-x86_64-pc-windows-msvc-install_only.tar.gz',
      ['3.12.7', '20241016', 'x86_64-pc-windows-msvc', 'windows_amd64'],
    ],
    [
      'cpython-3.12.7+20241016-x86_64-unknown-linux-musl-install_only.tar.gz',
      ['3.12.7', '20241016', 'x86_64-unknown-linux-musl', undefined],
    ],
    ['python.tar.gz', undefined],
  ];
  for (const [name, want] of cases) {
    const got = parseDistName(`/some/dir/${name}`);
    assert.deepEqual(got && [got.version, got.release, got.triple, got.platform], want, name);
  }
});
