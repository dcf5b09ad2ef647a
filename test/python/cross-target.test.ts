// Installing for Windows from here: which uv arguments, how uv's "no wheel" failures become a
// NO_WHEEL_FOR_TARGET naming the distributions (on uv's real messages), and which interpreters can
// build a Windows package (a minor version with a pinned embeddable CPython).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossUvArgs, missingWheels, noWheelError } from '../../src/python/cross-target.js';
import type { Candidate, InterpreterInfo } from '../../src/python/interpreters.js';
import { windowsCandidates, windowsCrossTarget } from '../../src/python/windows-plan.js';

const target = windowsCrossTarget({ version: '3.11.2' } as InterpreterInfo);

// uv 0.13.8, `uv pip install --python-platform x86_64-pc-windows-msvc --only-binary :all: uvloop==0.21.0 click`
const UV_NO_USABLE = `Using CPython 3.11.2 interpreter at: /usr/bin/python3
error: No solution found when resolving dependencies
  cause: Because uvloop==0.21.0 has no usable wheels and you require uvloop==0.21.0, we can conclude that your requirements are unsatisfiable.

hint: Wheels are required for \`uvloop\` because building from source is disabled for all packages (i.e., with \`--no-build\`)`;
// uv 0.13.8, the same for nvidia-nccl-cu12==2.21.5 (wheels for Linux only).
const UV_PLATFORM = `Using CPython 3.11.2 interpreter at: /usr/bin/python3
error: No solution found when resolving dependencies
  cause: Because nvidia-nccl-cu12==2.21.5 has no wheels with a matching platform tag (e.g., \`win_amd64\`) and you require nvidia-nccl-cu12==2.21.5, we can conclude that your requirements are unsatisfiable.

hint: Wheels are available for \`nvidia-nccl-cu12\` (v2.21.5) on the following platform: \`manylinux2014_x86_64\``;

test('uv installs for Windows x64 with the project Python minor version', () => {
  assert.deepEqual(crossUvArgs(target), [
    '--python-platform',
    'x86_64-pc-windows-msvc',
    '--python-version',
    '3.11',
  ]);
  assert.equal(target.sitePackagesRel, 'Lib/site-packages');
});

test('a dependency without a wheel for the target is NO_WHEEL_FOR_TARGET naming it', () => {
  assert.deepEqual(missingWheels(UV_NO_USABLE), ['uvloop']);
  assert.deepEqual(missingWheels(UV_PLATFORM), ['nvidia-nccl-cu12']);
  const error = noWheelError(UV_NO_USABLE, target);
  assert.ok(error);
  assert.equal(error.code, 'NO_WHEEL_FOR_TARGET');
  assert.match(error.message, /^no win_amd64 wheel for Python 3\.11: uvloop /);
  assert.match(error.hint ?? '', /pin a version of uvloop that publishes a win_amd64 wheel/);
  assert.equal(noWheelError('error: Failed to fetch: https://pypi.org/simple/click/', target), undefined);
});

test('only interpreters of a minor version with a pinned embeddable CPython can build for Windows', () => {
  const c = (version: string, unusable?: string): Candidate => ({
    path: `/py/${version}`,
    version,
    source: 'PATH',
    ...(unusable ? { unusable } : {}),
  });
  const out = windowsCandidates([c('3.11.2'), c('3.9.18'), c('3.14.0'), c('3.13.1', 'a venv')]);
  assert.equal(out[0]?.unusable, undefined);
  assert.match(out[1]?.unusable ?? '', /no Windows embeddable CPython 3\.9 is pinned/);
  assert.match(out[2]?.unusable ?? '', /no Windows embeddable CPython 3\.14 is pinned/);
  assert.equal(out[3]?.unusable, 'a venv');
});
