// entry-check.ts through `flavor pack`: an entry point whose module or function does not exist fails the
// pack (ENTRY_POINT_INVALID, exit 16) instead of the end user's first run, and writes no package.
// A typo warning printed early in the pack is repeated with that final error (issue 12, bug 4).

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runFlavor, tempDir, writeTree } from '../helpers/cli.js';
import { ensureTools, TEST_BUILD_CACHE, testEnv } from './helpers.js';

let work: string;

before(async () => {
  await ensureTools();
  work = await tempDir('flavor-entry-check-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const env = () => {
  const e = testEnv();
  return {
    FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE,
    UV_CACHE_DIR: e.UV_CACHE_DIR,
    PIP_CACHE_DIR: e.PIP_CACHE_DIR,
  };
};

async function project(name: string, flavorToml: string, scripts: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  await writeTree(dir, {
    'pyproject.toml': [
      '[build-system]',
      'requires = ["setuptools>=61"]',
      'build-backend = "setuptools.build_meta"',
      '[project]',
      `name = "${name}"`,
      'version = "1.0"',
      '[project.scripts]',
      ...Object.entries(scripts).map(([k, v]) => `${k} = "${v}"`),
      flavorToml,
      '',
    ].join('\n'),
    [`${name.replace(/-/g, '_')}/__init__.py`]:
      'def main():\n    print("ok")\n    return 0\n\nNOT_CALLABLE = 3\n',
    [`${name.replace(/-/g, '_')}/broken.py`]: 'import no_such_dependency_xyz\n\ndef main():\n    return 0\n',
  });
  return dir;
}

async function pack(dir: string) {
  const out = path.join(dir, 'dist', 'out.psp');
  const r = await runFlavor(['pack', '-m', path.join(dir, 'pyproject.toml'), '-o', out, '--key-seed', 'e'], {
    env: env(),
    timeoutMs: 600_000,
  });
  return { ...r, out };
}

test('a missing function, a missing module, a non-callable and a failing import each fail the pack', async () => {
  const dir = await project('ep-bad', '[tool.flavor]\nentry_point = "ep_bad.nowhere"', {
    good: 'ep_bad:main',
    'typo-fn': 'ep_bad:mian',
    'typo-mod': 'ep_bda:main',
    value: 'ep_bad:NOT_CALLABLE',
    broken: 'ep_bad.broken:main',
  });
  const r = await pack(dir);
  assert.equal(r.code, 16, r.stderr);
  assert.match(r.stderr, /flavor: error: 5 entry points do not import in the built runtime:/);
  assert.match(
    r.stderr,
    /ep_bad:mian \(\[project\.scripts\]\.typo-fn\): AttributeError: ep_bad has no attribute 'mian'/,
  );
  assert.match(
    r.stderr,
    /ep_bda:main \(\[project\.scripts\]\.typo-mod\): ModuleNotFoundError: No module named 'ep_bda'/,
  );
  assert.match(
    r.stderr,
    /ep_bad:NOT_CALLABLE .*TypeError: ep_bad:NOT_CALLABLE is not callable \(it is int\)/,
  );
  assert.match(r.stderr, /ep_bad\.broken:main .*No module named 'no_such_dependency_xyz'/);
  assert.match(r.stderr, /ep_bad\.nowhere \(tool\.flavor\.entry_point\): ModuleNotFoundError/);
  assert.doesNotMatch(r.stderr, /ep_bad:main \(/, 'the good entry point is not listed');
  assert.match(r.stderr, /hint: fix the "module:function" in pyproject\.toml/);
  assert.equal(existsSync(r.out), false, 'no package was written');
});

test('a typo warning is repeated with the final error', async () => {
  const dir = await project('ep-typo', '[tool.flavor]\nentry_piont = "ep_typo:main"', {
    'ep-typo': 'ep_typo:mian',
  });
  const r = await pack(dir);
  assert.equal(r.code, 16, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  const first = lines.findIndex((l) => /warning: .*unknown key tool\.flavor\.entry_piont/.test(l));
  const repeated = lines.findIndex(
    (l, i) => i > first + 1 && /^ {2}- .*unknown key tool\.flavor\.entry_piont/.test(l),
  );
  const error = lines.findIndex((l) => l.startsWith('flavor: error:'));
  assert.ok(first >= 0, r.stderr);
  assert.ok(
    repeated > first && repeated < error,
    `the warning is repeated just before the error:\n${r.stderr}`,
  );
  assert.match(lines[repeated - 1] ?? '', /warning: this warning was printed before the error:/);
});

test('valid entry points (function, dotted attribute, bare module) pack and run', async () => {
  const dir = await project('ep-good', '[tool.flavor]\nentry_point = "ep_good"', {
    'ep-good': 'ep_good:main',
  });
  await fs.writeFile(path.join(dir, 'ep_good', '__main__.py'), 'print("main module")\n');
  const r = await pack(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /importing the entry points in the built runtime/);
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(r.out, [], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', FLAVOR_CACHE: path.join(work, 'cache') },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'main module\n');
});
