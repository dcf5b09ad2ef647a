// python/wheel-origin.ts: which index file an installed distribution came from, read from uv's PEP 751
// resolution (pylock.toml) and the installed WHEEL tags.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFile, type LockedPackage, parsePylock, wheelTags } from '../../src/python/wheel-origin.js';

const SHA = (c: string) => c.repeat(64);

const PYLOCK = `lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.11"

[[packages]]
name = "pyyaml"
version = "6.0.2"
sdist = { url = "https://files.pythonhosted.org/packages/54/ed/pyyaml-6.0.2.tar.gz", upload-time = 2024-08-06T20:33:50Z, size = 130631, hashes = { sha256 = "${SHA('1')}" } }
wheels = [
  { url = "https://files.pythonhosted.org/packages/75/e4/PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", size = 762952, hashes = { sha256 = "${SHA('2')}" } },
  { name = "PyYAML-6.0.2-cp311-cp311-musllinux_1_1_x86_64.whl", url = "https://files.pythonhosted.org/packages/76/e5/x.whl", hashes = { sha256 = "${SHA('3')}" } },
  { url = "https://files.pythonhosted.org/packages/77/e6/bad.whl", hashes = { sha256 = "not-hex" } },
]

[[packages]]
name = "six"
version = "1.17.0"
wheels = [{ url = "https://files.pythonhosted.org/packages/b7/ce/six-1.17.0-py2.py3-none-any.whl", hashes = { sha256 = "${SHA('4')}" } }]
`;

test('parsePylock reads name, version, wheels (file name from `name` or the URL) and sdist', () => {
  const [yaml, six] = parsePylock(PYLOCK);
  assert.equal(yaml?.name, 'pyyaml');
  assert.equal(yaml?.version, '6.0.2');
  assert.deepEqual(
    yaml?.wheels.map((w) => [w.file, w.sha256]),
    [
      ['PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', SHA('2')],
      ['PyYAML-6.0.2-cp311-cp311-musllinux_1_1_x86_64.whl', SHA('3')],
    ],
    'a file whose hash is not 64 hex digits is left out',
  );
  assert.equal(yaml?.sdist?.sha256, SHA('1'));
  assert.equal(six?.sdist, undefined);
});

test('wheelTags expands compressed tag sets', () => {
  assert.deepEqual([...wheelTags('six-1.17.0-py2.py3-none-any.whl')].sort(), [
    'py2-none-any',
    'py3-none-any',
  ]);
  assert.deepEqual(
    [...wheelTags('PyYAML-6.0.2-1build-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')].sort(),
    ['cp311-cp311-manylinux2014_x86_64', 'cp311-cp311-manylinux_2_17_x86_64'],
  );
  assert.equal(wheelTags('not-a-wheel.whl').size, 0);
});

test('chooseFile: the wheel with exactly the installed tags; an sdist only when no wheel exists', () => {
  const [yaml, six] = parsePylock(PYLOCK) as [LockedPackage, LockedPackage];
  const glibc = new Set(['cp311-cp311-manylinux_2_17_x86_64', 'cp311-cp311-manylinux2014_x86_64']);
  assert.equal(chooseFile(yaml, glibc)?.sha256, SHA('2'));
  assert.equal(chooseFile(yaml, new Set(['cp311-cp311-musllinux_1_1_x86_64']))?.sha256, SHA('3'));
  assert.equal(chooseFile(yaml, new Set(['cp311-cp311-linux_x86_64'])), undefined, 'built locally: no claim');
  assert.equal(chooseFile(six, new Set(['py2-none-any', 'py3-none-any']))?.sha256, SHA('4'));
  assert.equal(chooseFile(six, new Set(['py3-none-any'])), undefined, 'a different tag set is another file');
  const sdistOnly: LockedPackage = { ...yaml, wheels: [] };
  assert.equal(chooseFile(sdistOnly, new Set(['cp311-cp311-linux_x86_64']))?.sha256, SHA('1'));
  assert.equal(chooseFile(sdistOnly, new Set()), undefined, 'no WHEEL file: nothing is known');
});
