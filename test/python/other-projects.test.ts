// other-projects.ts: Poetry constraints as PEP 440, [tool.poetry] and setup.cfg read into project fields.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { parseProject } from '../../src/python/manifest.js';
import { parseIni, poetryConstraintToPep440 } from '../../src/python/other-projects.js';
import { fieldsFromDistInfo } from '../../src/python/setup-py.js';

describe('poetryConstraintToPep440', () => {
  const cases: Array<[string, string]> = [
    ['^3.9', '>=3.9,<4'],
    ['^0.2.3', '>=0.2.3,<0.3'],
    ['^0.0.3', '>=0.0.3,<0.0.4'],
    ['~3.10', '>=3.10,<3.11'],
    ['~3.10.2', '>=3.10.2,<3.11'],
    ['~3', '>=3,<4'],
    ['>=3.9,<3.13', '>=3.9,<3.13'],
    ['>=3.9 <3.13', '>=3.9,<3.13'],
    ['~=3.10', '~=3.10'],
    ['3.11.*', '==3.11.*'],
    ['3.11', '==3.11'],
    ['*', ''],
  ];
  for (const [poetry, pep440] of cases) {
    test(`${poetry} → ${pep440 || '(none)'}`, () => assert.equal(poetryConstraintToPep440(poetry), pep440));
  }
  test('"||" is refused with the reason', () => {
    assert.deepEqual(poetryConstraintToPep440('^2.7 || ^3.6'), {
      problem: '"||" (either-or) has no PEP 440 equivalent',
    });
  });
});

describe('[tool.poetry] without [project]', () => {
  const POETRY = `[tool.poetry]\nname = "p-app"\nversion = "1.2"\ndescription = "d"\n[tool.poetry.dependencies]\npython = "^3.10"\nsix = "*"\n[tool.poetry.scripts]\np-app = "p_app.cli:main"\nold = { callable = "p_app.cli:old" }\n[tool.flavor]\npackage_name = "packed"\n`;
  test('name, version, requires-python, scripts and [tool.flavor] are read', () => {
    const c = parseProject(POETRY, '/x/pyproject.toml');
    assert.equal(c.name, 'p-app');
    assert.equal(c.version, '1.2');
    assert.equal(c.requiresPython, '>=3.10,<4');
    assert.deepEqual(
      c.pythonConstraints.map((k) => k.key),
      ['tool.poetry.dependencies.python'],
    );
    assert.deepEqual(c.scripts, [
      { name: 'p-app', target: 'p_app.cli:main' },
      { name: 'old', target: 'p_app.cli:old' },
    ]);
    assert.equal(c.packageName, 'packed');
  });
  test('[project] wins when both exist', () => {
    const c = parseProject(
      `[project]\nname = "pep621"\nversion = "9"\n[project.scripts]\na = "a:b"\n${POETRY}`,
      '/x/pyproject.toml',
    );
    assert.equal(c.name, 'pep621');
  });
  test('an unconvertible python constraint names the key', () => {
    assert.throws(
      () => parseProject(POETRY.replace('"^3.10"', '"^2.7 || ^3.6"'), '/x/pyproject.toml'),
      (e) => isFlavorError(e, 'PROJECT_INVALID') && e.message.includes('tool.poetry.dependencies.python'),
    );
  });
  test('no scripts and no entry point: nothing to run', () => {
    assert.throws(
      () => parseProject('[tool.poetry]\nname = "a"\nversion = "1"\n', '/x/pyproject.toml'),
      (e) => isFlavorError(e, 'PROJECT_INVALID') && e.message.includes('nothing to run'),
    );
  });
});

describe('setup.cfg', () => {
  test('parseIni: sections, continuation lines, comments, dashes as underscores', () => {
    const ini = parseIni(
      '# c\n[metadata]\nname = a\npython-requires = >=3.9\n[options.entry_points]\nconsole_scripts =\n    a = a.cli:main\n    b = b:run\n',
    );
    assert.deepEqual(ini, {
      metadata: { name: 'a', python_requires: '>=3.9' },
      'options.entry_points': { console_scripts: '\na = a.cli:main\nb = b:run' },
    });
  });
  test('[metadata], python_requires and console_scripts become the project; attr: versions come from the wheel', () => {
    const c = parseProject(
      '[metadata]\nname = cfg-app\nversion = attr: cfg_app.__version__\n[options]\npython_requires = >=3.9\n[options.entry_points]\nconsole_scripts =\n    cfg-app = cfg_app.cli:main\n',
      '/x/setup.cfg',
    );
    assert.equal(c.name, 'cfg-app');
    assert.equal(c.version, undefined);
    assert.equal(c.requiresPython, '>=3.9');
    assert.deepEqual(c.scripts, [{ name: 'cfg-app', target: 'cfg_app.cli:main' }]);
  });
  test('no [metadata] name is a clear error', () => {
    assert.throws(
      () => parseProject('[options]\npackages = a\n', '/x/setup.cfg'),
      (e) => isFlavorError(e, 'PROJECT_INVALID') && e.message.includes('setup.cfg has no [metadata] name'),
    );
  });
});

describe('setup.py-only: fields from the built wheel', () => {
  test('METADATA and entry_points.txt give name, version, Requires-Python and console_scripts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flavor-distinfo-'));
    try {
      writeFileSync(
        join(dir, 'METADATA'),
        'Metadata-Version: 2.1\nName: sp-app\nVersion: 4.5.6\nSummary: s\nRequires-Python: >=3.9\nRequires-Dist: six==1.16.0\n\nbody: ignored\n',
      );
      writeFileSync(
        join(dir, 'entry_points.txt'),
        '[console_scripts]\nsp-app = sp_app.cli:main\n\n[gui_scripts]\ngui = sp_app.gui:main\n',
      );
      const fields = await fieldsFromDistInfo(dir);
      const c = parseProject('ignored', '/x/setup.py', fields);
      assert.equal(c.name, 'sp-app');
      assert.equal(c.version, '4.5.6');
      assert.equal(c.requiresPython, '>=3.9');
      assert.deepEqual(c.dependencies, ['six==1.16.0']);
      assert.deepEqual(c.scripts, [{ name: 'sp-app', target: 'sp_app.cli:main' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
