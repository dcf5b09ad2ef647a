// The prune list of the standard library (src/python/stdlib-prune.ts, docs/python.md): what goes, what the
// opt-out (prune_stdlib = false) keeps, and what never goes into a package whatever the setting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRUNED_STDLIB_TOP, stdlibFilter } from '../../src/python/stdlib-prune.js';

const SO = '.cpython-312-x86_64-linux-gnu.so';

test('pruned: test suites, idlelib, lib2to3, pydoc_data, ensurepip, turtledemo, test modules', () => {
  const filter = stdlibFilter({ prune: true });
  for (const top of ['test', 'idlelib', 'lib2to3', 'pydoc_data', 'ensurepip', 'turtledemo']) {
    assert.equal(filter.keep(top, true), false, top);
  }
  for (const nested of ['unittest/test', 'ctypes/test', 'json/tests', 'sqlite3/test']) {
    assert.equal(filter.keep(nested, true), false, nested);
  }
  assert.equal(filter.keep(`lib-dynload/_testcapi${SO}`, false), false);
  assert.equal(filter.keep(`lib-dynload/xxlimited${SO}`, false), false);
  assert.deepEqual(filter.droppedModules(), ['_testcapi', 'xxlimited']);
});

test('kept: the library itself, nested folders only matched at their own path', () => {
  const filter = stdlibFilter({ prune: true });
  for (const [rel, isDir] of [
    ['json', true],
    ['json/decoder.py', false],
    ['unittest', true],
    ['email/test', true], // not on the list: only the listed nested paths go
    ['test.py', false],
    [`lib-dynload/_ssl${SO}`, false],
    ['LICENSE.txt', false],
  ] as const) {
    assert.equal(filter.keep(rel, isDir), true, rel);
  }
  assert.deepEqual(filter.droppedModules(), []);
});

test('prune_stdlib = false keeps the prune list but still drops what never goes into a package', () => {
  const filter = stdlibFilter({ prune: false });
  for (const top of PRUNED_STDLIB_TOP) assert.equal(filter.keep(top, true), true, top);
  assert.equal(filter.keep('unittest/test', true), true);
  assert.equal(filter.keep(`lib-dynload/_testcapi${SO}`, false), true);
  for (const [rel, isDir] of [
    ['site-packages', true],
    ['dist-packages', true],
    ['tkinter', true],
    ['EXTERNALLY-MANAGED', false],
    ['sitecustomize.py', false],
    ['__pycache__', true],
    ['json/__pycache__', true],
    ['config-3.12-x86_64-linux-gnu', true],
    ['os.pyc', false],
    [`lib-dynload/_tkinter${SO}`, false],
  ] as const) {
    assert.equal(filter.keep(rel, isDir), false, rel);
  }
  assert.deepEqual(filter.droppedModules(), ['_tkinter']);
});
