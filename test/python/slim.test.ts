// slim.ts: include_tests = false and exclude_from_deps on a site-packages tree; the glob rules.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { globToRegExp, slimDependencies } from '../../src/python/slim.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-slim-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const tree = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();

function site(name: string): string {
  const dir = join(tmp, name);
  for (const [rel, size] of [
    ['pkg/__init__.py', 10],
    ['pkg/core.pyi', 100],
    ['pkg/tests/test_core.py', 1000],
    ['pkg/sub/test/data.txt', 50],
    ['pkg/sub/testing.py', 5],
    ['pkg/conftest.py', 7],
    ['pkg/docs/guide.md', 300],
    ['pkg-1.0.dist-info/RECORD', 20],
    ['pkg-1.0.dist-info/tests/x', 1],
    ['_flavor_run.py', 3],
    ['flavor_runtime.py', 4],
  ] as const) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), 'x'.repeat(size));
  }
  return dir;
}

test('globs: * stays in a segment, ** spans, a glob without / matches a name at any depth', () => {
  assert.ok(globToRegExp('*.pyi').test('a/b/c.pyi'));
  assert.ok(!globToRegExp('*.pyi').test('a/b/c.py'));
  assert.ok(globToRegExp('pkg/docs').test('pkg/docs'));
  assert.ok(!globToRegExp('pkg/docs').test('other/pkg/docs'), 'a glob with / is anchored');
  assert.ok(globToRegExp('pkg/*.md').test('pkg/x.md'));
  assert.ok(!globToRegExp('pkg/*.md').test('pkg/docs/x.md'));
  assert.ok(globToRegExp('pkg/**/*.md').test('pkg/docs/deep/x.md'));
  assert.ok(globToRegExp('pkg/**').test('pkg/a/b'));
  assert.ok(globToRegExp('t?st').test('x/test'));
  assert.ok(!globToRegExp('a.b').test('axb'), 'regex characters are literal');
});

test('include_tests = false removes tests/, test/ and conftest.py; dist-info and glue are kept', async () => {
  const dir = site('tests');
  const r = await slimDependencies(dir, { includeTests: false, excludeFromDeps: [] });
  assert.deepEqual(r.removed, {
    tests: ['pkg/tests'],
    test: ['pkg/sub/test'],
    'conftest.py': ['pkg/conftest.py'],
  });
  assert.equal(r.bytes, 1000 + 50 + 7);
  assert.ok(tree(dir).includes('pkg/sub/testing.py'));
  assert.ok(tree(dir).includes('pkg-1.0.dist-info/tests/x'), 'dist-info is never touched');
  assert.ok(tree(dir).includes('_flavor_run.py'));
});

test('exclude_from_deps removes what its globs match and reports it per glob', async () => {
  const dir = site('exclude');
  const r = await slimDependencies(dir, {
    includeTests: true,
    excludeFromDeps: ['*.pyi', 'pkg/docs', '*.py'],
  });
  assert.deepEqual(r.removed['*.pyi'], ['pkg/core.pyi']);
  assert.deepEqual(r.removed['pkg/docs'], ['pkg/docs']);
  assert.ok(tree(dir).includes('pkg/tests/test_core.py') === false, '*.py matches at any depth');
  assert.ok(tree(dir).includes('_flavor_run.py'), 'the runner is protected');
  assert.ok(tree(dir).includes('flavor_runtime.py'), 'the runtime helper is protected');
  assert.ok(r.bytes >= 100 + 300);
});

test('nothing asked: nothing removed', async () => {
  const dir = site('none');
  const before = tree(dir);
  assert.deepEqual(await slimDependencies(dir, { includeTests: true, excludeFromDeps: [] }), {
    removed: {},
    bytes: 0,
  });
  assert.deepEqual(tree(dir), before);
});
