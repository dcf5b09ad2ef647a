import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manifestToSpec } from '../../src/builder/manifest.js';
import { isFlavorError } from '../../src/errors.js';
import { parseProject } from '../../src/python/manifest.js';
import { Checker, describeValue } from '../../src/schema/checker.js';
import { parseRuntimeEnv } from '../../src/schema/runtime-env.js';

class Failed extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(`${field}: ${expected}`);
  }
}

const check = new Checker(
  (field, expected, value) => {
    throw new Failed(field, expected, value);
  },
  { table: 'a table' },
);

function failure(fn: () => unknown): Failed {
  try {
    fn();
  } catch (error) {
    if (error instanceof Failed) return error;
    throw error;
  }
  assert.fail('expected the check to fail');
}

describe('Checker', () => {
  test('names the field, what was expected and the value', () => {
    const f = failure(() => check.string(3, 'a.b'));
    assert.deepEqual([f.field, f.expected, f.value], ['a.b', 'a non-empty string', 3]);
    assert.equal(failure(() => check.table([], 'root')).expected, 'a table');
    assert.equal(failure(() => check.uint(-1, 'n')).expected, 'a non-negative integer');
    assert.equal(failure(() => check.uint(1.5, 'n')).expected, 'a non-negative integer');
    assert.equal(failure(() => check.optBool('yes', 'b')).expected, 'true or false');
  });

  test('string rules: blank vs empty, patterns', () => {
    assert.equal(failure(() => check.string('  ', 'x')).field, 'x');
    const strictEmpty = new Checker(
      (field, expected, value) => {
        throw new Failed(field, expected, value);
      },
      { emptiness: 'empty' },
    );
    assert.equal(strictEmpty.string('  ', 'x'), '  ');
    assert.equal(failure(() => strictEmpty.string('', 'x')).field, 'x');
    assert.equal(check.string('', 'x', { nonEmpty: false }), '');
    assert.equal(
      failure(() => check.string('abc', 'x', { pattern: /^\d+$/, what: 'digits' })).expected,
      'digits',
    );
    assert.equal(check.optString(undefined, 'x'), undefined);
  });

  test('lists and maps name the bad entry', () => {
    assert.equal(failure(() => check.stringList(['a', 2], 'l')).field, 'l[1]');
    assert.equal(failure(() => check.stringList('a', 'l')).expected, 'an array of strings');
    const f = failure(() => check.stringMap({ ok: 'x', 'bad name': 'y' }, 'm', { names: /^\w+$/ }));
    assert.equal(f.field, 'm.bad name');
    assert.equal(failure(() => check.stringMap({ A: 1 }, 'm')).field, 'm.A');
    assert.equal(failure(() => check.table(new Date(0), 'd')).field, 'd', 'a TOML date is not a table');
  });

  test('describeValue is short and safe', () => {
    assert.equal(describeValue('x'.repeat(100)).length, 63);
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue([1]), 'an array');
    assert.equal(describeValue({}), 'an object');
  });
});

describe('runtime.env: one rule for both build inputs', () => {
  const bad = [
    { env: { unset: 'PATH' }, field: 'unset' },
    { env: { unset: ['A B'] }, field: 'unset[0]' },
    { env: { pass: ['$HOME'] }, field: 'pass[0]' },
    { env: { set: { 'A-B': 'x' } }, field: 'set.A-B' },
    { env: { set: { A: 1 } }, field: 'set.A' },
    { env: { map: { OLD: 'not a name' } }, field: 'map.OLD' },
  ];

  test('the parser itself', () => {
    assert.deepEqual(
      parseRuntimeEnv(check, { unset: ['*', '*'], pass: ['LC_*'], set: { A: '1' }, map: { B: 'C' } }, 'e'),
      { unset: ['*'], pass: ['LC_*'], set: { A: '1' }, map: { B: 'C' } },
    );
    assert.deepEqual(parseRuntimeEnv(check, { unset: [], set: {} }, 'e'), {});
    for (const { env, field } of bad)
      assert.equal(failure(() => parseRuntimeEnv(check, env, 'e')).field, `e.${field}`);
  });

  test('a build manifest and a pyproject.toml refuse the same values, naming the same field', () => {
    for (const { env, field } of bad) {
      const manifest = {
        package: { name: 'x', version: '1' },
        execution: { command: 'x' },
        runtime: { env },
      };
      assert.throws(
        () => manifestToSpec(manifest, '/m/manifest.json'),
        (e: unknown) => isFlavorError(e, 'MANIFEST_INVALID') && e.message.startsWith(`runtime.env.${field}:`),
        `manifest runtime.env.${field}`,
      );
      const toml = `[project]\nname = "x"\nversion = "1"\n[project.scripts]\nx = "x:main"\n[tool.flavor.execution.runtime.env]\n${Object.entries(
        env,
      )
        .map(([k, v]) => `${k} = ${JSON.stringify(v).replace(/":/g, '" =')}`)
        .join('\n')}\n`;
      assert.throws(
        () => parseProject(toml, '/p/pyproject.toml'),
        (e: unknown) =>
          isFlavorError(e, 'PROJECT_INVALID') &&
          e.message.startsWith(`invalid tool.flavor.execution.runtime.env.${field} =`),
        `pyproject runtime.env.${field}: ${toml}`,
      );
    }
  });

  test('the accepted values come out the same', () => {
    const env = { unset: ['LC_*'], pass: ['HOME'], set: { MODE: 'packed' }, map: { OLD: 'NEW' } };
    const spec = manifestToSpec(
      { package: { name: 'x', version: '1' }, execution: { command: 'x' }, runtime: { env } },
      '/m/manifest.json',
    ).spec;
    assert.deepEqual(spec.runtime?.env, env);
    const project = parseProject(
      '[project]\nname = "x"\nversion = "1"\n[project.scripts]\nx = "x:main"\n[tool.flavor.execution.runtime.env]\nisolated = false\nunset = ["LC_*"]\npass = ["HOME"]\nset = { MODE = "packed" }\nmap = { OLD = "NEW" }\n',
      '/p/pyproject.toml',
    );
    assert.deepEqual(project.runtimeEnv, env);
  });
});
