// Pure parts of the build-time installation (src/python/install.ts, record.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installHint, wheelDistInfo } from '../../src/python/install.js';
import { parseRecord } from '../../src/python/record.js';

const INFO = { version: '3.11.2', soabi: 'cpython-311-x86_64-linux-gnu', platform: 'linux-x86_64' };

test('a distribution Python without pip (use_pip) gets a hint naming the package and uv', () => {
  const hint = installHint('/usr/bin/python3.11: No module named pip\n', INFO);
  assert.match(hint ?? '', /no pip .*apt-get install python3-pip.*use_pip/);
});

test('the usual install failures get their hints', () => {
  assert.match(
    installHint('No matching distribution found for foo', INFO) ?? '',
    /no release for Python 3\.11\.2/,
  );
  assert.match(installHint('Failed to fetch: https://pypi.org', INFO) ?? '', /could not be reached/);
  assert.equal(installHint('something else', INFO), undefined);
});

test('RECORD paths, quoted or not; wheel names', () => {
  assert.deepEqual(parseRecord('a/b.py,sha256=x,1\n"a/c,d.py",sha256=y,2\r\n\nx.dist-info/RECORD,,\n'), [
    'a/b.py',
    'a/c,d.py',
    'x.dist-info/RECORD',
  ]);
  assert.deepEqual(wheelDistInfo('/w/flavor_cli_demo-0.3.1-py3-none-any.whl'), {
    name: 'flavor_cli_demo',
    version: '0.3.1',
    distInfo: 'flavor_cli_demo-0.3.1.dist-info',
  });
});
