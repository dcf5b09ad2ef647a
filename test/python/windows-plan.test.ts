// The Windows embeddable CPython as a runtime source: registered for windows_amd64 by default, which
// interpreters of this machine can build for it (a minor version with a pin), how the packed interpreter
// is described (never run here), and the uv arguments of its install (Windows wheels only).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uvTargetArgs } from '../../src/python/foreign-target.js';
import type { Candidate, InterpreterInfo } from '../../src/python/interpreters.js';
import { selectRuntimeSource } from '../../src/python/runtime-sources.js';
import { PYTHON_EMBED_PINS } from '../../src/python/windows-embed-pins.js';
import { chooseWindowsEmbed, windowsCandidates, windowsInterpreter } from '../../src/python/windows-plan.js';
import { TEST_PYTHON } from './helpers.js';

test('windows_amd64 is supplied by the Windows embeddable CPython without --python-dist', async () => {
  const choice = await selectRuntimeSource({ platform: 'windows_amd64', host: 'linux_amd64', env: {} });
  assert.deepEqual([choice.kind, choice.native], ['windows-embed', false]);
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
  assert.match(
    out[1]?.unusable ?? '',
    /no Windows embeddable CPython 3\.9 is pinned \(there are 3\.10, 3\.11, 3\.12, 3\.13\)/,
  );
  assert.match(out[2]?.unusable ?? '', /no Windows embeddable CPython 3\.14 is pinned/);
  assert.equal(out[3]?.unusable, 'a venv');
});

test('the packed interpreter is the embeddable CPython: Windows tags, site-packages at Lib/site-packages', () => {
  const pin = PYTHON_EMBED_PINS['3.11'];
  assert.ok(pin);
  const info = windowsInterpreter({ version: '3.11.2', source: 'PATH' } as InterpreterInfo, pin);
  assert.equal(info.version, pin.cpython);
  assert.equal(info.soabi, 'cp311-win_amd64');
  assert.equal(info.platform, 'win-amd64');
  assert.equal(info.path, 'python.exe');
  assert.equal(info.stdlib, 'python311.zip');
  assert.equal(info.sitePackages, 'Lib/site-packages');
});

test('chooseWindowsEmbed: an interpreter of this machine builds; uv installs Windows wheels only', {
  skip:
    TEST_PYTHON && PYTHON_EMBED_PINS[TEST_PYTHON.info.version.split('.').slice(0, 2).join('.')]
      ? false
      : 'no interpreter of a pinned minor version',
}, async () => {
  const choice = await chooseWindowsEmbed([], process.env);
  assert.equal(choice.target.platform, 'windows_amd64');
  assert.equal(choice.target.pythonVersion, choice.pin.minor);
  assert.equal(choice.target.buildInterpreter.version.split('.').slice(0, 2).join('.'), choice.pin.minor);
  assert.equal(choice.selection.candidate.info.platform, 'win-amd64');
  assert.deepEqual(uvTargetArgs(choice.target), [
    '--python-platform',
    'x86_64-pc-windows-msvc',
    '--python-version',
    choice.pin.minor,
    '--only-binary',
    ':all:',
  ]);
});
