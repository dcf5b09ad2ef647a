// End to end: the standard library as lib/python3X.zip (docs/python.md, "Standard library"). A small app
// exercises what a zipped stdlib could break — multiprocessing with spawn, subprocess.run([sys.executable,
// …]), package data through importlib.resources, ssl, sqlite3, ctypes, zoneinfo — and prints a traceback
// through a stdlib frame: with include_stdlib_sources = true it shows the source line, by default not.
// Packed with the real CLI and run by the real launcher with every host Python hidden.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { runWithoutPython } from '../helpers/hidden-python.js';
import { missing, TEST_PYTHON } from '../python/helpers.js';

const PY = TEST_PYTHON ?? (missing('a CPython >= 3.9') as never);
const BUILD_CACHE = path.join(REPO_ROOT, '.cache', 'test-build-cache');
const TAG = PY.version.split('.').slice(0, 2).join('');

const PYPROJECT = (extra: string) => `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "stdcheck"
version = "1.0"
dependencies = []

[project.scripts]
stdcheck = "stdcheck:main"

[tool.setuptools.package-data]
stdcheck = ["data/*.txt"]

[tool.flavor.build]
${extra}
`;

const APP = `import json, multiprocessing, os, subprocess, sys, traceback
from importlib import resources


def square(x):
    return x * x


def main():
    out = {}
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        out["spawn"] = pool.map(square, [1, 2, 3])
    child = "import json, sys; print(json.dumps([sys.prefix, json.__file__]))"
    r = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    out["subprocess"] = json.loads(r.stdout)
    out["prefix"] = sys.prefix
    out["json_file"] = json.__file__
    out["resource"] = resources.files("stdcheck").joinpath("data/greeting.txt").read_text().strip()
    import ssl
    ssl.create_default_context()
    out["ssl"] = ssl.OPENSSL_VERSION
    import sqlite3
    out["sqlite"] = sqlite3.connect(":memory:").execute("select 1 + 1").fetchone()[0]
    import ctypes
    out["ctypes"] = ctypes.CDLL(None).abs(-5)
    import zoneinfo
    out["zoneinfo"] = str(zoneinfo.ZoneInfo("UTC"))
    try:
        json.loads("{")
    except ValueError:
        out["traceback"] = traceback.format_exc()
    print(json.dumps(out))
`;

let dir: string;
const built: Record<'plain' | 'sources', string> = { plain: '', sources: '' };

async function pack(name: string, extra: string): Promise<string> {
  const project = path.join(dir, name);
  await fs.mkdir(path.join(project, 'stdcheck', 'data'), { recursive: true });
  await fs.writeFile(path.join(project, 'pyproject.toml'), PYPROJECT(extra));
  await fs.writeFile(path.join(project, 'stdcheck', '__init__.py'), APP);
  await fs.writeFile(path.join(project, 'stdcheck', 'data', 'greeting.txt'), 'hello from package data\n');
  const output = path.join(dir, `${name}.psp`);
  const r = await runFlavor(
    [
      'pack',
      '--manifest',
      path.join(project, 'pyproject.toml'),
      '--output',
      output,
      '--key-seed',
      'e2e',
      '--python',
      PY.path,
    ],
    { env: { FLAVOR_BUILD_CACHE: BUILD_CACHE }, timeoutMs: 600_000 },
  );
  assert.equal(r.code, 0, `pack ${name} failed:\n${r.stderr}`);
  return output;
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-e2e-stdlib-'));
  built.plain = await pack('plain', '');
  built.sources = await pack('sources', 'include_stdlib_sources = true');
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface Report {
  spawn: number[];
  subprocess: [string, string];
  prefix: string;
  json_file: string;
  resource: string;
  ssl: string;
  sqlite: number;
  ctypes: number;
  zoneinfo: string;
  traceback: string;
}

function runApp(file: string, cache: string): Report {
  const r = runWithoutPython([file], { PATH: '/usr/bin:/bin', HOME: dir, FLAVOR_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Report;
}

/** The traceback's frame in json/decoder.py, and the line after it. */
function decoderFrame(traceback: string): { frame: string; next: string } {
  const lines = traceback.split('\n');
  const i = lines.findIndex((l) => /File ".*json\/decoder\.py", line \d+/.test(l));
  assert.ok(i >= 0, `no json/decoder.py frame in:\n${traceback}`);
  return { frame: lines[i]!, next: lines[i + 1] ?? '' };
}

test('zipped stdlib: spawn, subprocess, package data, ssl, sqlite3, ctypes, zoneinfo work from a first run', () => {
  const report = runApp(built.plain, path.join(dir, 'cache-plain'));
  assert.deepEqual(report.spawn, [1, 4, 9], 'multiprocessing (spawn) children import the app and the stdlib');
  assert.equal(report.subprocess[0], report.prefix, 'sys.executable starts the same runtime');
  assert.ok(
    report.json_file.endsWith(`/lib/python${TAG}.zip/json/__init__.pyc`),
    `json comes from the stdlib archive: ${report.json_file}`,
  );
  assert.equal(report.subprocess[1], report.json_file, 'the child finds the archive too');
  assert.equal(report.resource, 'hello from package data');
  assert.match(report.ssl, /OpenSSL/);
  assert.equal(report.sqlite, 2);
  assert.equal(report.ctypes, 5);
  assert.equal(report.zoneinfo, 'UTC');
});

test('without stdlib sources a stdlib frame has no source line; with include_stdlib_sources it has', () => {
  const plain = decoderFrame(runApp(built.plain, path.join(dir, 'cache-plain')).traceback);
  assert.match(plain.frame, new RegExp(`python${TAG}\\.zip/json/decoder\\.py`), plain.frame);
  assert.match(plain.next, /^\s{2}File |^json\.decoder\.JSONDecodeError/, 'no source line without sources');
  const sources = decoderFrame(runApp(built.sources, path.join(dir, 'cache-sources')).traceback);
  assert.match(sources.next, /^\s{4}\S/, `a source line follows the frame: ${sources.next}`);
  assert.doesNotMatch(sources.next, /^\s{2}File /);
});

test('the extracted runtime is a few dozen files, not a thousand', async () => {
  const cache = path.join(dir, 'cache-count');
  runApp(built.plain, cache);
  const files = (await fs.readdir(cache, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const inStdlib = files.filter((e) => /\/lib\/python3\.\d+(\/|$)/.test(e.parentPath));
  assert.ok(
    inStdlib.every(
      (e) =>
        e.parentPath.includes('lib-dynload') ||
        e.parentPath.includes('site-packages') ||
        ['os.py', 'LICENSE.txt'].includes(e.name),
    ),
    `loose stdlib files: ${inStdlib
      .filter((e) => !e.parentPath.includes('lib-dynload') && !e.parentPath.includes('site-packages'))
      .map((e) => e.name)
      .join(', ')}`,
  );
  assert.ok(
    files.some((e) => e.name === `python${TAG}.zip`),
    'the archive is extracted as one file',
  );
});
