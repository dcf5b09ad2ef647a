// sbom/license.ts: a distribution's METADATA licence fields → an SPDX expression, SPDX identifiers or
// names, never a guess.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLASSIFIERS, declaredLicense, KNOWN_IDS, LICENSE_NAMES } from '../../src/sbom/license.js';

test('License-Expression wins and is taken as written', () => {
  assert.deepEqual(
    declaredLicense({
      expression: ' MIT OR Apache-2.0 ',
      license: 'BSD',
      classifiers: ['OSI Approved :: BSD License'],
    }),
    { from: 'License-Expression', expression: 'MIT OR Apache-2.0', entries: [] },
  );
});

test('License: an identifier in any case, or a well-known name of one', () => {
  const id = (license: string) => declaredLicense({ license, classifiers: [] });
  assert.deepEqual(id('mit'), { from: 'License', entries: [{ id: 'MIT' }] });
  assert.deepEqual(id('Apache License, Version 2.0'), { from: 'License', entries: [{ id: 'Apache-2.0' }] });
  assert.deepEqual(id('New BSD  License'), { from: 'License', entries: [{ id: 'BSD-3-Clause' }] });
  assert.deepEqual(id('GPLv3+'), { from: 'License', entries: [{ id: 'GPL-3.0-or-later' }] });
});

test('License: an expression of known identifiers gets canonical case; anything else stays a name', () => {
  assert.deepEqual(declaredLicense({ license: 'mit OR (apache-2.0 AND bsd-2-clause)', classifiers: [] }), {
    from: 'License',
    expression: 'MIT OR (Apache-2.0 AND BSD-2-Clause)',
    entries: [],
  });
  assert.deepEqual(declaredLicense({ license: 'Dual License', classifiers: [] }), {
    from: 'License',
    entries: [{ name: 'Dual License' }],
  });
  assert.deepEqual(declaredLicense({ license: 'MIT OR Frobnicate', classifiers: [] }), {
    from: 'License',
    entries: [{ name: 'MIT OR Frobnicate' }],
  });
});

test('License text (several lines or long) and UNKNOWN fall through to the classifiers', () => {
  const classifiers = ['OSI Approved :: MIT License'];
  const text = 'Copyright (c) 2020 someone\n\nPermission is hereby granted, free of charge, ...';
  assert.deepEqual(declaredLicense({ license: text, classifiers }), {
    from: 'classifiers',
    entries: [{ id: 'MIT' }],
  });
  assert.deepEqual(declaredLicense({ license: 'x'.repeat(81), classifiers }).from, 'classifiers');
  assert.deepEqual(declaredLicense({ license: 'UNKNOWN', classifiers }).from, 'classifiers');
});

test('classifiers: mapped only when they name one licence and version, deduplicated', () => {
  assert.deepEqual(
    declaredLicense({
      classifiers: [
        'OSI Approved :: BSD License',
        'OSI Approved :: Apache Software License',
        'OSI Approved :: GNU General Public License v2 (GPLv2)',
        'OSI Approved :: GNU General Public License v2 (GPLv2)',
      ],
    }),
    {
      from: 'classifiers',
      entries: [
        { name: 'OSI Approved :: BSD License' },
        { name: 'OSI Approved :: Apache Software License' },
        { id: 'GPL-2.0-only' },
      ],
    },
  );
});

test('nothing declared: no licence', () => {
  assert.deepEqual(declaredLicense({ classifiers: [] }), { from: 'none', entries: [] });
  assert.deepEqual(declaredLicense({ license: '  ', classifiers: [] }), { from: 'none', entries: [] });
});

test('every identifier the mapping can produce is in the SPDX licence list CycloneDX validates against', async () => {
  const { readFile } = await import('node:fs/promises');
  const schema = JSON.parse(
    await readFile(
      new URL(
        '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/spdx.SNAPSHOT.schema.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as { enum: string[] };
  const listed = new Set(schema.enum);
  const produced = new Set([...KNOWN_IDS, ...Object.values(LICENSE_NAMES), ...Object.values(CLASSIFIERS)]);
  assert.ok(produced.size > 30);
  assert.deepEqual(
    [...produced].filter((id) => !listed.has(id)),
    [],
  );
});
