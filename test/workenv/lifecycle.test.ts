// The lifecycle table shared with the launcher (launcher/internal/workenv/lifecycle_test.go reads the same file).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LIFECYCLE_NAMES } from '../../src/format/index.js';
import { lifecycleOf } from '../../src/workenv/lifecycle.js';
import { VECTOR_DIR } from '../helpers/vectors.js';

interface Case {
  name: string;
  kind: string;
  at_install: boolean;
  place: string;
  trimmable: boolean;
}

const { cases } = JSON.parse(readFileSync(`${VECTOR_DIR}lifecycle/lifecycles.json`, 'utf8')) as {
  cases: Case[];
};

test('every lifecycle name behaves as the shared table says', () => {
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const l = lifecycleOf(c.name);
    assert.deepEqual(
      { kind: l.kind, at_install: l.atInstall, place: l.place, trimmable: l.trimmable },
      { kind: c.kind, at_install: c.at_install, place: c.place, trimmable: c.trimmable },
      JSON.stringify(c.name),
    );
  }
});

test('every lifecycle kind the launcher knows appears in the table, and every builder name is covered', () => {
  const kinds = new Set(cases.map((c) => c.kind));
  for (const k of ['runtime', 'init', 'volatile', 'temp', 'cache', 'persistent', 'lazy'])
    assert.ok(kinds.has(k), k);
  const names = new Set(cases.map((c) => c.name));
  for (const n of LIFECYCLE_NAMES) assert.ok(names.has(n), `the table lacks the builder's name "${n}"`);
  assert.equal(lifecycleOf('__proto__').kind, 'runtime');
  assert.equal(lifecycleOf('constructor').kind, 'runtime');
});
