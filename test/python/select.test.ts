// Interpreter selection (with fake interpreter lists) and command selection.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { commandLine, planCommands } from '../../src/python/commands.js';
import {
  type Candidate,
  checkExplicit,
  type InterpreterInfo,
  type InterpreterSource,
  selectInterpreter,
  unusableReason,
} from '../../src/python/interpreters.js';
import { parseProject } from '../../src/python/manifest.js';

function fake(version: string, source: InterpreterSource, extra: Partial<InterpreterInfo> = {}): Candidate {
  const minor = version.split('.').slice(0, 2).join('.');
  const prefix = `/py/${source}/${version}`;
  const info: InterpreterInfo = {
    path: `${prefix}/bin/python${minor}`,
    version,
    implementation: 'cpython',
    prefix,
    stdlib: `${prefix}/lib/python${minor}`,
    platstdlib: `${prefix}/lib/python${minor}`,
    sitePackages: `${prefix}/lib/python${minor}/site-packages`,
    shared: true,
    libdir: `${prefix}/lib`,
    soabi: `cpython-${minor.replace('.', '')}-x86_64-linux-gnu`,
    platform: 'linux-x86_64',
    libc: 'glibc 2.36',
    freeThreaded: false,
    isVenv: false,
    source,
    ...extra,
  };
  const unusable = unusableReason(info);
  return { path: info.path, version, source, info, ...(unusable ? { unusable } : {}) };
}

function constraintsOf(
  requiresPython: string,
  flavorPython = '',
): ReturnType<typeof parseProject>['pythonConstraints'] {
  const text = `[project]\nname = "x"\nversion = "1"\nrequires-python = "${requiresPython}"\n[project.scripts]\nx = "x:main"\n${flavorPython}`;
  return parseProject(text, '/p/pyproject.toml').pythonConstraints;
}

const FOUND = [
  fake('3.8.18', 'pyenv'),
  fake('3.11.7', 'pyenv'),
  fake('3.11.2', 'PATH'),
  fake('3.12.1', 'pyenv'),
  fake('3.13.0', 'pyenv'),
  fake('3.7.16', 'pyenv'),
];

describe('selectInterpreter', () => {
  test('the newest match wins', () => {
    assert.equal(selectInterpreter(FOUND, constraintsOf('>=3.8')).candidate.version, '3.13.0');
    assert.equal(selectInterpreter(FOUND, constraintsOf('>=3.9,<3.13')).candidate.version, '3.12.1');
    assert.equal(selectInterpreter(FOUND, constraintsOf('~=3.11.0')).candidate.version, '3.11.7');
    assert.equal(selectInterpreter(FOUND, []).candidate.version, '3.13.0');
  });

  test('[tool.flavor.python] narrows requires-python', () => {
    const c = constraintsOf('>=3.8', '[tool.flavor.python]\nversion = "3.11"\n');
    const selection = selectInterpreter(FOUND, c);
    assert.equal(selection.candidate.version, '3.11.7');
    assert.match(selection.reason, /==3\.11\.\*/);
    assert.equal(
      selectInterpreter(FOUND, constraintsOf('>=3.8', '[tool.flavor.python]\nmax_version = "3.11"\n'))
        .candidate.version,
      '3.11.7',
    );
  });

  test('ties on version go to pyenv before uv before PATH', () => {
    const same = [
      fake('3.11.7', 'PATH', { path: '/usr/bin/python3.11' }),
      fake('3.11.7', 'uv'),
      fake('3.11.7', 'pyenv'),
    ];
    assert.equal(selectInterpreter(same, []).candidate.source, 'pyenv');
  });

  test('unusable interpreters are never chosen', () => {
    const list = [
      fake('3.13.0', 'pyenv', { freeThreaded: true }),
      fake('3.12.1', 'uv', { isVenv: true }),
      fake('3.12.0', 'PATH', { implementation: 'pypy' }),
      fake('3.11.7', 'pyenv'),
    ];
    assert.equal(selectInterpreter(list, []).candidate.version, '3.11.7');
  });

  test('nothing matches: PYTHON_NOT_FOUND lists what was found and why', () => {
    assert.throws(
      () => selectInterpreter(FOUND, constraintsOf('>=3.14')),
      (error: unknown) => {
        assert.ok(isFlavorError(error, 'PYTHON_NOT_FOUND'));
        assert.match(error.message, />=3\.14 \(project\.requires-python\)/);
        for (const c of FOUND) assert.ok(error.message.includes(c.path), `missing ${c.path}`);
        assert.match(error.message, /3\.7\.16.*older than 3\.8/);
        assert.match(error.message, /does not satisfy >=3\.14/);
        assert.ok(error.hint?.includes('--python'));
        return true;
      },
    );
    assert.throws(
      () => selectInterpreter([], []),
      (e: unknown) => isFlavorError(e, 'PYTHON_NOT_FOUND') && /found none/.test(e.message),
    );
  });

  test('an explicit --python must satisfy the constraints', () => {
    const info = fake('3.9.18', '--python').info as InterpreterInfo;
    assert.equal(checkExplicit(info, constraintsOf('>=3.8'), '--python x').candidate.version, '3.9.18');
    assert.throws(
      () => checkExplicit(info, constraintsOf('>=3.10'), '--python x'),
      (e: unknown) =>
        isFlavorError(e, 'PYTHON_NOT_FOUND') && e.message.includes('3.9.18') && e.message.includes('>=3.10'),
    );
  });
});

describe('planCommands', () => {
  const project = (scripts: Array<[string, string]>, entryPoint?: string, name = 'demo') => ({
    name,
    packageName: name,
    scripts: scripts.map(([n, target]) => ({ name: n, target })),
    entryPoint,
  });

  test('every script is a command; the one named like the project is the default', () => {
    const plan = planCommands(
      project([
        ['demo-admin', 'demo.admin:main'],
        ['demo', 'demo.cli:main'],
      ]),
      'bin/python3.11',
    );
    assert.deepEqual(Object.keys(plan.commands), ['demo-admin', 'demo']);
    assert.equal(plan.command, '"{workenv}/bin/python3.11" -I -B -m _flavor_run demo demo.cli:main');
    assert.equal(plan.commands['demo-admin'], commandLine('bin/python3.11', 'demo-admin', 'demo.admin:main'));
  });

  test('names are compared PEP 503-normalised', () => {
    const plan = planCommands(
      project(
        [
          ['a', 'x:a'],
          ['my_tool', 'x:b'],
        ],
        undefined,
        'My.Tool',
      ),
      'bin/python3.12',
    );
    assert.equal(plan.defaultName, 'my_tool');
  });

  test('else the first script', () => {
    const plan = planCommands(
      project([
        ['first', 'x:first'],
        ['second', 'x:second'],
      ]),
      'bin/python3.11',
    );
    assert.equal(plan.defaultName, 'first');
    assert.match(plan.reason, /first script/);
  });

  test('entry_point wins and works without scripts', () => {
    const plan = planCommands(project([['demo', 'demo.cli:main']], 'demo.other:run'), 'bin/python3.11');
    assert.equal(plan.command, '"{workenv}/bin/python3.11" -I -B -m _flavor_run demo demo.other:run');
    const bare = planCommands(project([], 'demo.app'), 'bin/python3.11');
    assert.equal(bare.command, '"{workenv}/bin/python3.11" -I -B -m _flavor_run demo demo.app');
    assert.deepEqual(bare.commands, {});
  });
});
