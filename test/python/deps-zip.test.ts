// The dependencies archive (src/python/deps-zip.ts) on a small site-packages, with the machine's Python:
// which top-level packages are zip-safe, what stays files, the .pth, and that imports, package data
// (importlib.resources) and distribution metadata (importlib.metadata) keep working.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEPS_PTH, DEPS_ZIP, zipDependencies } from '../../src/python/deps-zip.js';
import { missing, TEST_PYTHON } from './helpers.js';

const PY = TEST_PYTHON;
const tmp = mkdtempSync(join(tmpdir(), 'flavor-deps-zip-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'purepkg/__init__.py': 'DATA_NAME = "data.txt"\n',
  'purepkg/data.txt': 'pure data\n',
  'respkg/__init__.py':
    'from importlib import resources\n_ctx = resources.as_file(resources.files(__name__).joinpath("data.txt"))\nDATA = open(_ctx.__enter__()).read().strip()\n',
  'respkg/data.txt': 'resource data\n',
  'readpkg/__init__.py':
    'from importlib import resources\nDATA = resources.files(__name__).joinpath("data.txt").read_text().strip()\n',
  'readpkg/data.txt': 'read data\n',
  'codeonly/__init__.py': 'import pkgutil\nNAMES = [m.name for m in pkgutil.iter_modules(__path__)]\n',
  'codeonly/py.typed': '',
  'codeonly/stub.pyi': 'x: int\n',
  'purepkg-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: purepkg\nVersion: 1.0\n',
  'purepkg-1.0.dist-info/RECORD': 'purepkg/__init__.py,,\npurepkg/data.txt,,\n',
  'nativepkg/__init__.py': 'x = 1\n',
  'nativepkg/_ext.cpython-312-x86_64-linux-gnu.so': 'ELF',
  'filepkg/__init__.py': 'import os\nHERE = os.path.dirname(__file__)\n',
  'guarded/__init__.py':
    'import json\nOTHER = json.__file__\nNAME = "__file__"\nif __name__ == "__main__":\n    open(__file__)\n',
  'forced/__init__.py': 'x = 1\n',
  'Forced_Dist-2.0.dist-info/RECORD': 'forced/__init__.py,,\n',
  'single.py': 'def hello():\n    return "single"\n',
  '_flavor_run.py': 'x = 1\n',
  'flavor_runtime.py': 'x = 1\n',
  '_flavor_app.pth': '../../../app\n',
};

function makeSite(name: string): string {
  const site = join(tmp, name, 'lib', 'python3.x', 'site-packages');
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(site, rel)), { recursive: true });
    writeFileSync(join(site, rel), text);
  }
  return site;
}

function zipSite(site: string, includeSources = true) {
  return zipDependencies({
    python: PY!.path,
    siteDir: site,
    siteRel: 'lib/python3.x/site-packages',
    optimizationLevel: 0,
    compile: true,
    includeSources,
    unzipped: ['forced.dist'],
    log: () => {},
  });
}

describe('zipDependencies', { skip: PY ? false : missing('a CPython >= 3.9') }, () => {
  let site: string;

  test('zip-safe: pure packages, modules, __file__ only under a main guard or of another module', async () => {
    site = makeSite('basic');
    const result = await zipSite(site);
    assert.deepEqual(result.zipped, ['codeonly', 'guarded', 'purepkg', 'readpkg', 'single.py']);
    assert.deepEqual(Object.keys(result.kept).sort(), ['filepkg', 'forced', 'nativepkg', 'respkg']);
    assert.match(result.kept.nativepkg!, /native code/);
    assert.equal(
      result.kept.respkg,
      'hands out its data files with importlib.resources.as_file (respkg/__init__.py)',
    );
    assert.match(result.kept.filepkg!, /uses __file__ \(filepkg\/__init__\.py\)/);
    assert.equal(result.kept.forced, 'unzipped_dependencies');
  });

  test('files: the archive and its .pth; kept packages, dist-info and the glue stay; zipped ones are gone', () => {
    assert.equal(readFileSync(join(site, DEPS_PTH), 'utf8'), `${DEPS_ZIP}\n`);
    for (const kept of [
      'nativepkg/_ext.cpython-312-x86_64-linux-gnu.so',
      'filepkg/__init__.py',
      'forced/__init__.py',
      'respkg/data.txt',
      'purepkg-1.0.dist-info/METADATA',
      '_flavor_run.py',
      'flavor_runtime.py',
      '_flavor_app.pth',
    ]) {
      assert.ok(existsSync(join(site, kept)), kept);
    }
    for (const gone of ['purepkg', 'readpkg', 'guarded', 'single.py', 'codeonly'])
      assert.ok(!existsSync(join(site, gone)), gone);
  });

  test('imports, package data and importlib.metadata work through the .pth', () => {
    const script = [
      'import site, sys; site.addsitedir(sys.argv[1])',
      'import purepkg, respkg, readpkg, codeonly, single, importlib.metadata as md',
      'from importlib import resources',
      'print(resources.files(purepkg).joinpath(purepkg.DATA_NAME).read_text().strip(), respkg.DATA, readpkg.DATA, single.hello(),',
      '      md.version("purepkg"), purepkg.__file__.endswith("_flavor_deps.zip/purepkg/__init__.pyc"),',
      '      "_flavor_deps.zip" in respkg.__file__, codeonly.NAMES)',
    ].join('\n');
    const out = execFileSync(PY!.path, ['-I', '-c', script, site], { encoding: 'utf8' });
    assert.equal(out.trim(), 'pure data resource data read data single 1.0 True False []');
  });

  test('deterministic, and include_sources = false leaves the sources out', async () => {
    const a = makeSite('det-a');
    const b = makeSite('det-b');
    await zipSite(a);
    await zipSite(b);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    assert.equal(sha(join(a, DEPS_ZIP)), sha(join(b, DEPS_ZIP)));
    const c = makeSite('sourceless');
    await zipSite(c, false);
    const list = execFileSync(
      PY!.path,
      [
        '-I',
        '-c',
        'import sys, zipfile; print(" ".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
        join(c, DEPS_ZIP),
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.ok(list.includes('purepkg/__init__.pyc') && !list.includes('purepkg/__init__.py '), list);
    assert.ok(!list.split(' ').some((n) => n.endsWith('.py')), list);
  });

  test('nothing zip-safe: no archive, no .pth', async () => {
    const site = join(tmp, 'none', 'site-packages');
    mkdirSync(join(site, 'nativepkg'), { recursive: true });
    writeFileSync(join(site, 'nativepkg', '_ext.so'), 'ELF');
    const result = await zipSite(site);
    assert.deepEqual(result.zipped, []);
    assert.ok(!existsSync(join(site, DEPS_ZIP)) && !existsSync(join(site, DEPS_PTH)));
  });
});
