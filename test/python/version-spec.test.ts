import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  comparePyVersions,
  formatPyVersion,
  matchesSpecifiers,
  parsePyVersion,
  parseSpecifierSet,
} from '../../src/python/version-spec.js';

function v(text: string) {
  const parsed = parsePyVersion(text);
  assert.ok(parsed, `${text} does not parse`);
  return parsed;
}

function ok(version: string, spec: string): boolean {
  const clauses = parseSpecifierSet(spec);
  assert.ok(Array.isArray(clauses), String(clauses));
  return matchesSpecifiers(v(version), clauses);
}

describe('PEP 440 ordering', () => {
  test('the PEP order, one release', () => {
    const ordered = [
      '3.13.9',
      '3.14.0.dev1',
      '3.14.0a1.dev1',
      '3.14.0a1',
      '3.14.0a2',
      '3.14.0a9',
      '3.14.0a10',
      '3.14.0b1',
      '3.14.0rc1',
      '3.14.0rc2',
      '3.14.0',
      '3.14.0.post1.dev1',
      '3.14.0.post1',
      '3.14.1',
      '1!0.1',
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const expected = Math.sign(i - j);
        assert.equal(
          comparePyVersions(v(ordered[i]!), v(ordered[j]!)),
          expected,
          `${ordered[i]} vs ${ordered[j]}`,
        );
      }
    }
  });

  test('numbers compare as numbers: 3.14.0a10 > 3.14.0a9, rc10 > rc9', () => {
    assert.equal(comparePyVersions(v('3.14.0a10'), v('3.14.0a9')), 1);
    assert.equal(comparePyVersions(v('3.14.0rc10'), v('3.14.0rc9')), 1);
  });

  test('zero padding, spelling variants and local labels', () => {
    assert.equal(comparePyVersions(v('3.14'), v('3.14.0')), 0);
    assert.equal(comparePyVersions(v('3.14.0-rc.1'), v('3.14.0rc1')), 0);
    assert.equal(comparePyVersions(v('3.14.0c1'), v('3.14.0rc1')), 0);
    assert.equal(comparePyVersions(v('3.14.0alpha1'), v('3.14.0a1')), 0);
    assert.equal(comparePyVersions(v('3.12.3+ubuntu1'), v('3.12.3')), 0);
    assert.equal(formatPyVersion(v('3.14.0-RC.1')), '3.14.0rc1');
    assert.equal(formatPyVersion(v('1.0-1')), '1.0.post1');
    assert.equal(formatPyVersion(v('1!2.0.dev3+Local_X')), '1!2.0.dev3+local.x');
  });

  test('not versions', () => {
    for (const text of ['', 'three', '3.x', '3.11.', '3..1', '3.11 .1'])
      assert.equal(parsePyVersion(text), undefined, text);
  });
});

describe('specifier sets', () => {
  test('operators on final releases', () => {
    assert.ok(ok('3.11.7', '>=3.9,<3.13'));
    assert.ok(!ok('3.13.0', '>=3.9,<3.13'));
    assert.ok(ok('3.10.2', '~=3.10'));
    assert.ok(!ok('4.0.0', '~=3.10'));
    assert.ok(ok('3.11.9', '~=3.11.2'));
    assert.ok(!ok('3.11.1', '~=3.11.2'));
    assert.ok(!ok('3.12.0', '~=3.11.2'));
    assert.ok(ok('3.11.0', '==3.11.*'));
    assert.ok(!ok('3.12.0', '==3.11.*'));
    assert.ok(!ok('3.12.1', '!=3.12.*'));
    assert.ok(ok('3.11.0', '==3.11'));
    assert.ok(!ok('3.11.1', '==3.11'));
    assert.ok(ok('3.11.1', '!=3.11'));
    assert.ok(ok('3.12.0', '>3.11'));
    assert.ok(ok('3.11.0', '<=3.11'));
    assert.ok(ok('3.12.3+ubuntu1', '==3.12.3'), 'a local label is ignored by a clause without one');
    assert.ok(!ok('3.12.3', '==3.12.3+ubuntu1'));
    assert.ok(ok('3.12.3', '===3.12.3'));
    assert.ok(!ok('3.12.3', '===3.12.3.0'));
  });

  test('pre-releases: >=3.14.0rc1 admits rc2 and the final, not rc0 or a beta', () => {
    assert.ok(ok('3.14.0rc2', '>=3.14.0rc1'));
    assert.ok(ok('3.14.0rc1', '>=3.14.0rc1'));
    assert.ok(ok('3.14.0', '>=3.14.0rc1'));
    assert.ok(!ok('3.14.0b4', '>=3.14.0rc1'));
    assert.ok(ok('3.14.0a10', '>3.14.0a9'));
    assert.ok(!ok('3.14.0a9', '>=3.14.0a10'));
    assert.ok(ok('3.14.0rc1', '==3.14.0rc1'));
    assert.ok(!ok('3.14.0rc2', '==3.14.0rc1'));
    assert.ok(ok('3.14.0b1', '~=3.14.0a1'));
    assert.ok(!ok('3.15.0', '~=3.14.0a1'));
  });

  test('pre-releases of the bound itself: below ">=3.14", excluded by "<3.14" (PEP 440)', () => {
    assert.ok(!ok('3.14.0a1', '>=3.14'));
    assert.ok(!ok('3.14.0rc2', '>=3.14'));
    assert.ok(!ok('3.14.0a1', '<3.14'), '<V must not admit a pre-release of V');
    assert.ok(ok('3.14.0a1', '<3.14.0rc1'), 'unless V is a pre-release itself');
    assert.ok(ok('3.13.0rc1', '<3.14'));
    assert.ok(ok('3.14.0a1', '==3.14.*'), 'a prefix match ignores the pre-release');
    assert.ok(ok('3.14.0rc1', '>=3.13'));
  });

  test('post-releases: ">3.11.7" does not admit 3.11.7.post1 (PEP 440)', () => {
    assert.ok(!ok('3.11.7.post1', '>3.11.7'));
    assert.ok(ok('3.11.7.post2', '>3.11.7.post1'));
    assert.ok(ok('3.11.7.post1', '>=3.11.7'));
  });

  test('malformed specifiers are reported, not thrown', () => {
    for (const spec of ['>>3', '>=3.*', '~=3', '', ' , ', '==3.14.0rc1.*', '>=3.12+local', '=>3.9']) {
      assert.equal(typeof parseSpecifierSet(spec), 'string', spec);
    }
  });
});
