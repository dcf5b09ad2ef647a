// inspect-deps.ts: the recorded distributions as a list and as a tree (roots first, app first; shared
// dependencies and cycles shown once).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dependencyTree,
  depsLines,
  type RecordedDistribution,
  recordedDistributions,
  treeLines,
} from '../../src/api/inspect-deps.js';

const d = (name: string, requires: string[], slot = 'site-packages'): RecordedDistribution => ({
  name,
  version: '1.0',
  license: name === 'app' ? null : 'MIT',
  requires,
  slot,
});

test('no record: undefined (not an empty list)', () => {
  assert.equal(recordedDistributions({}), undefined);
  assert.equal(recordedDistributions({ python: { dependencies: [] } }), undefined);
  assert.deepEqual(recordedDistributions({ python: { dependency_tree: [d('a', [])] } }), [d('a', [])]);
});

test('tree: the app is the root, a shared dependency appears once, then "see above"', () => {
  const dists = [
    d('lib-a', ['shared']),
    d('app', ['lib-a', 'lib-b'], 'app'),
    d('lib-b', ['shared']),
    d('shared', []),
  ];
  assert.deepEqual(treeLines(dependencyTree(dists)), [
    'app 1.0',
    '├── lib-a 1.0',
    '│   └── shared 1.0',
    '└── lib-b 1.0',
    '    └── shared 1.0 (see above)',
  ]);
});

test('tree: a cycle ends, and a cycle nothing else requires still shows', () => {
  const lines = treeLines(dependencyTree([d('x', ['y']), d('y', ['x'])]));
  assert.deepEqual(lines, ['x 1.0 (MIT)', '└── y 1.0', '    └── x 1.0 (see above)']);
});

test('list: name, version, licence, slot', () => {
  assert.deepEqual(depsLines([d('app', [], 'app'), d('rich', [])]), [
    'dependencies: 2',
    '  app 1.0   licence unknown  [app]',
    '  rich 1.0  MIT  [site-packages]',
  ]);
});
