// The runtime slot builder on the real pyenv CPython 3.11: relocatable, isolated, with its own libssl & co.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { probeInterpreter } from '../../src/python/interpreters.js';
import { buildRuntime, parseLdd, type RuntimeInfo, runtimeCacheEntry } from '../../src/python/runtime.js';
import { findTool } from '../../src/python/tools.js';
import type { PythonBuildEvent } from '../../src/python/types.js';
import { ensureTools, PY311 } from './helpers.js';

const skip = existsSync(PY311) ? false : `no pyenv CPython 3.11.7 at ${PY311}`;

describe('runtime slot (pyenv 3.11)', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flavor-runtime-'));
  const events: PythonBuildEvent[] = [];
  let runtime: RuntimeInfo;
  let moved: string;
  let coldMs = 0;

  before(async () => {
    await ensureTools();
    const info = await probeInterpreter(PY311, '--python');
    assert.ok(info, 'probe failed');
    const started = Date.now();
    runtime = await buildRuntime({
      interpreter: info,
      buildCacheDir: join(tmp, 'cache'),
      strip: true,
      log: (e) => events.push(e),
    });
    coldMs = Date.now() - started;
    moved = join(tmp, 'elsewhere with space', 'rt');
    cpSync(runtime.dir, moved, { recursive: true, verbatimSymlinks: true });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('layout: bin, libpython, bundled libs, stdlib without tests/site-packages', () => {
    assert.equal(runtime.cached, false);
    assert.equal(runtime.pythonRel, 'bin/python3.11');
    assert.equal(runtime.sitePackagesRel, 'lib/python3.11/site-packages');
    const bin = readdirSync(join(moved, 'bin')).sort();
    assert.deepEqual(bin, ['python', 'python3', 'python3.11']);
    assert.ok(existsSync(join(moved, 'lib', 'libpython3.11.so.1.0')));
    for (const lib of [
      'libssl.so.3',
      'libcrypto.so.3',
      'libffi.so.8',
      'libsqlite3.so.0',
      'liblzma.so.5',
      'libbz2.so.1.0',
      'libz.so.1',
    ]) {
      assert.ok(runtime.bundledLibs.includes(lib), `${lib} not bundled: ${runtime.bundledLibs.join(' ')}`);
      assert.ok(existsSync(join(moved, 'lib', lib)));
    }
    const stdlib = join(moved, 'lib', 'python3.11');
    for (const gone of [
      'site-packages',
      'test',
      'idlelib',
      'tkinter',
      'turtledemo',
      'ensurepip',
      'config-3.11-x86_64-linux-gnu',
    ]) {
      assert.ok(!existsSync(join(stdlib, gone)), `${gone} should be pruned`);
    }
    assert.ok(!existsSync(join(stdlib, 'unittest', 'test')));
    assert.ok(readdirSync(join(stdlib, 'lib-dynload')).every((n) => !/^(_test|_tkinter|xxlimited)/.test(n)));
    assert.deepEqual(runtime.failedImports, []);
    assert.ok(runtime.sizeBytes < 60e6, `runtime is ${runtime.sizeBytes} bytes`);
    console.log(`# runtime: ${(runtime.sizeBytes / 1e6).toFixed(1)} MB raw, cold build ${coldMs} ms`);
  });

  test('runs from a copied location with an empty environment', () => {
    const script =
      'import sys, ssl, sqlite3, ctypes, lzma, bz2, zlib, hashlib, json, decimal, uuid\n' +
      'print(json.dumps({"prefix": sys.prefix, "exe": sys.executable, "path": sys.path, "ssl": ssl.OPENSSL_VERSION}))';
    const out = execFileSync('env', ['-i', join(moved, 'bin', 'python3'), '-I', '-c', script], {
      cwd: '/',
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as { prefix: string; exe: string; path: string[]; ssl: string };
    assert.equal(result.prefix, moved);
    assert.ok(result.exe.startsWith(moved));
    for (const entry of result.path)
      assert.ok(entry.startsWith(moved), `sys.path entry outside the runtime: ${entry}`);
    assert.match(result.ssl, /OpenSSL/);
  });

  test('extension modules load the bundled libraries, not the host ones', () => {
    const dynload = join(moved, 'lib', 'python3.11', 'lib-dynload');
    const ssl = readdirSync(dynload).find((n) => n.startsWith('_ssl.'));
    assert.ok(ssl);
    const ldd = findTool('ldd');
    if (!ldd) return;
    const deps = parseLdd(execFileSync(ldd.path, [join(dynload, ssl)], { encoding: 'utf8' })).get('') ?? [];
    const libssl = deps.find((d) => d.name === 'libssl.so.3');
    assert.ok(libssl?.path?.startsWith(moved), `libssl resolved to ${libssl?.path}`);
    const patchelf = findTool('patchelf');
    assert.ok(patchelf);
    const rpath = execFileSync(patchelf.path, ['--print-rpath', join(moved, 'bin', 'python3.11')], {
      encoding: 'utf8',
    }).trim();
    assert.equal(rpath, '$ORIGIN/../lib');
    for (const name of readdirSync(dynload)) {
      const r = execFileSync(patchelf.path, ['--print-rpath', join(dynload, name)], {
        encoding: 'utf8',
      }).trim();
      assert.ok(!r.includes('/root') && !r.includes('.pyenv'), `${name} keeps an absolute rpath: ${r}`);
    }
  });

  test('stdlib is precompiled: unchecked-hash .pyc without build paths', () => {
    const pyc = join(moved, 'lib', 'python3.11', '__pycache__', 'argparse.cpython-311.pyc');
    const bytes = readFileSync(pyc);
    assert.equal(bytes.readUInt32LE(4), 1, 'flags: hash-based, unchecked');
    assert.ok(!bytes.includes(Buffer.from('/root/')), 'pyc embeds a build path');
    assert.ok(!bytes.includes(Buffer.from('.cache/')), 'pyc embeds the cache path');
    const r = spawnSync(
      join(moved, 'bin', 'python3'),
      ['-I', '-c', 'import argparse; print(argparse.__cached__)'],
      { env: {}, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  });

  test('second build is taken from the cache', async () => {
    const info = await probeInterpreter(PY311, '--python');
    assert.ok(info);
    const started = Date.now();
    const again = await buildRuntime({
      interpreter: info,
      buildCacheDir: join(tmp, 'cache'),
      strip: true,
      log: () => {},
    });
    const warmMs = Date.now() - started;
    assert.equal(again.cached, true);
    assert.equal(again.dir, runtime.dir);
    console.log(`# runtime warm (cached) in ${warmMs} ms`);
    const unstripped = await runtimeCacheEntry({
      interpreter: info,
      buildCacheDir: join(tmp, 'cache'),
      strip: false,
      log: () => {},
    });
    assert.notEqual(join(unstripped.dir, 'runtime'), runtime.dir, 'strip is part of the cache key');
  });
});
