// `flavor inspect`'s runtime licences (src/api/inspect-licenses.ts): the list recorded in the signed
// metadata (python.runtime_licenses) read back, malformed entries left out, none recorded → null; the
// line the CLI prints for a complete list and for CPython only.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordedRuntimeLicenses, runtimeLicensesLine } from '../../src/api/inspect-licenses.js';

const PORTABLE = {
  complete: true,
  components: [
    { name: 'cpython', version: '3.13.5', license: 'PSF-2.0', files: ['share/licenses/cpython/LICENSE'] },
    {
      name: 'openssl',
      version: '3.0.20',
      license: 'Apache-2.0',
      files: ['share/licenses/openssl/LICENSE.txt'],
    },
  ],
};

test('recordedRuntimeLicenses: the recorded list; null without one; malformed entries left out', () => {
  assert.deepEqual(recordedRuntimeLicenses({ python: { runtime_licenses: PORTABLE } }), PORTABLE);
  assert.equal(recordedRuntimeLicenses({}), null, 'a manifest pack has no python section');
  assert.equal(recordedRuntimeLicenses({ python: { version: '3.13.5' } }), null, 'an older flavor');
  assert.equal(recordedRuntimeLicenses({ python: { runtime_licenses: 'PSF-2.0' } }), null);
  const odd = {
    complete: 'yes',
    components: [
      PORTABLE.components[0],
      { name: 'zlib', version: 1, license: 'Zlib', files: [] },
      { ...PORTABLE.components[1], files: ['share/licenses/openssl/LICENSE.txt', 7] },
    ],
  };
  assert.deepEqual(recordedRuntimeLicenses({ python: { runtime_licenses: odd } }), {
    complete: false,
    components: [PORTABLE.components[0], PORTABLE.components[1]],
  });
});

test('runtimeLicensesLine: every component with version and licence, where the files are, what is not listed', () => {
  assert.equal(
    runtimeLicensesLine(PORTABLE),
    'cpython 3.13.5 PSF-2.0, openssl 3.0.20 Apache-2.0 (licence files in share/licenses/)',
  );
  const host = {
    complete: false,
    components: [
      { name: 'cpython', version: '3.13.0', license: 'PSF-2.0', files: ['lib/python3.13/LICENSE.txt'] },
    ],
  };
  assert.equal(
    runtimeLicensesLine(host),
    'cpython 3.13.0 PSF-2.0 (licence file lib/python3.13/LICENSE.txt; the libraries it links are not itemised)',
  );
  host.components[0]!.files = [];
  assert.match(runtimeLicensesLine(host), /\(no licence file in the runtime; the libraries/);
});
