// The runtime slot builder on the interpreters this machine has, one of each kind (distribution /usr
// Python — required under CI —, pyenv, uv): relocatable, isolated, with its own libssl & co.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { probeInterpreter } from '../../src/python/interpreters.js';
import { buildRuntime, parseLdd, type RuntimeInfo, runtimeCacheEntry } from '../../src/python/runtime.js';
import { checkSelfContained } from '../../src/python/runtime-assemble.js';
import { findTool } from '../../src/python/tools.js';
import type { PythonBuildEvent } from '../../src/python/types.js';
import {
  ensureTools,
  MACHINE_PYTHONS,
  type MachinePython,
  missing,
  type PythonKind,
  pythonOfKind,
} from './helpers.js';

const KINDS: Array<{ kind: PythonKind; what: string; required: boolean }> = [
  { kind: 'distro', what: "the distribution's python3 (Debian: apt-get install python3)", required: true },
  { kind: 'pyenv', what: 'a pyenv-built CPython', required: false },
  { kind: 'uv', what: 'a uv-managed CPython', required: false },
];

for (const { kind, what, required } of KINDS) {
  const python = pythonOfKind(kind);
  const skip = python ? false : required ? missing(what) : `${what} is not installed on this machine`;
  describe(`runtime slot (${kind}: ${python?.path ?? 'none'})`, { skip }, () => {
    runtimeTests(python as MachinePython);
  });
}

/** Every file below `dir` that is a symlink, with its target. */
function symlinks(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (lstatSync(path).isSymbolicLink()) out.push([relative(dir, path), readlinkSync(path)]);
  }
  return out;
}

function runtimeTests(python: MachinePython): void {
  const MINOR = python.version.split('.').slice(0, 2).join('.');
  const TAG = MINOR.replace('.', '');
  const tmp = mkdtempSync(join(tmpdir(), 'flavor-runtime-'));
  const events: PythonBuildEvent[] = [];
  let runtime: RuntimeInfo;
  let moved: string;
  let coldMs = 0;

  before(async () => {
    await ensureTools();
    const info = await probeInterpreter(python.path, '--python');
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
    const info = python.info;
    const stdlibRel = relative(info.prefix, info.stdlib);
    assert.equal(runtime.cached, false);
    assert.equal(runtime.pythonRel, `bin/python${MINOR}`);
    assert.equal(runtime.stdlibRel, stdlibRel);
    assert.equal(runtime.sitePackagesRel, relative(info.prefix, info.sitePackages));
    const bin = readdirSync(join(moved, 'bin')).sort();
    assert.deepEqual(bin, ['python', 'python3', `python${MINOR}`]);
    assert.equal(existsSync(join(moved, 'lib', `libpython${MINOR}.so.1.0`)), info.shared);
    for (const lib of [
      'libssl.so.3',
      'libcrypto.so.3',
      'libffi.so.8',
      'libsqlite3.so.0',
      'liblzma.so.5',
      'libbz2.so.1.0',
      'libz.so.1',
    ]) {
      // Libraries the interpreter links statically (python-build-standalone) are not needed.
      if (!runtime.bundledLibs.includes(lib)) continue;
      assert.ok(existsSync(join(moved, 'lib', lib)), `${lib} listed but not copied`);
    }
    const stdlib = join(moved, stdlibRel);
    for (const gone of [
      'site-packages',
      'dist-packages',
      'test',
      'idlelib',
      'tkinter',
      'turtledemo',
      'ensurepip',
      'lib2to3',
      'pydoc_data',
      'json',
      'encodings',
    ]) {
      assert.ok(!existsSync(join(stdlib, gone)), `${gone} should be pruned or in the archive`);
    }
    assert.deepEqual(
      readdirSync(stdlib)
        .filter((n) => n !== 'LICENSE.txt')
        .sort(),
      ['lib-dynload', 'os.py'],
      'on disk: the prefix landmark, (the licence) and the extension modules',
    );
    assert.equal(runtime.stdlibZipRel, `lib/python${TAG}.zip`);
    assert.ok(!readdirSync(stdlib).some((n) => n.startsWith('config-')), 'config-* should be pruned');
    assert.ok(!existsSync(join(stdlib, 'unittest', 'test')));
    assert.ok(readdirSync(join(stdlib, 'lib-dynload')).every((n) => !/^(_test|_tkinter|xxlimited)/.test(n)));
    assert.deepEqual(runtime.failedImports, []);
    assert.ok(runtime.sizeBytes < 80e6, `runtime is ${runtime.sizeBytes} bytes`);
    console.log(
      `# runtime (${python.kind} ${python.version}): ${(runtime.sizeBytes / 1e6).toFixed(1)} MB raw, cold build ${coldMs} ms`,
    );
  });

  test('self-contained: no absolute or escaping symlink, no distribution files (Debian: /etc links, PEP 668)', () => {
    for (const [link, target] of symlinks(moved)) {
      assert.ok(!isAbsolute(target), `${link} → ${target} is absolute`);
      assert.ok(
        !relative(moved, join(moved, link, '..', target)).startsWith('..'),
        `${link} → ${target} escapes`,
      );
    }
    const stdlib = join(moved, runtime.stdlibRel);
    for (const gone of ['EXTERNALLY-MANAGED', 'sitecustomize.py', 'usercustomize.py']) {
      assert.ok(!existsSync(join(stdlib, gone)), `${gone} is a file of the host distribution`);
    }
  });

  test('permission bits do not depend on the umask: files 0644/0755, folders 0755', () => {
    for (const name of readdirSync(runtime.dir, { recursive: true }) as string[]) {
      const st = lstatSync(join(runtime.dir, name));
      if (st.isSymbolicLink()) continue;
      const mode = st.mode & 0o7777;
      assert.ok(
        st.isDirectory() ? mode === 0o755 : mode === 0o644 || mode === 0o755,
        `${name}: ${mode.toString(8)}`,
      );
    }
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
    const dynload = join(moved, relative(python.info.prefix, python.info.platstdlib), 'lib-dynload');
    const ssl = readdirSync(dynload).find((n) => n.startsWith('_ssl.'));
    assert.ok(ssl);
    const ldd = findTool('ldd');
    if (!ldd) return;
    const deps = parseLdd(execFileSync(ldd.path, [join(dynload, ssl)], { encoding: 'utf8' })).get('') ?? [];
    const libssl = deps.find((d) => d.name === 'libssl.so.3');
    if (runtime.bundledLibs.includes('libssl.so.3'))
      assert.ok(libssl?.path?.startsWith(moved), `libssl resolved to ${libssl?.path}`);
    const patchelf = findTool('patchelf');
    assert.ok(patchelf);
    const rpath = execFileSync(patchelf.path, ['--print-rpath', join(moved, 'bin', `python${MINOR}`)], {
      encoding: 'utf8',
    }).trim();
    assert.equal(rpath, '$ORIGIN/../lib');
    for (const name of readdirSync(dynload)) {
      const r = execFileSync(patchelf.path, ['--print-rpath', join(dynload, name)], {
        encoding: 'utf8',
      }).trim();
      assert.ok(r.startsWith('$ORIGIN') && !r.includes(':'), `${name} keeps an absolute rpath: ${r}`);
    }
  });

  test('stdlib is precompiled into the archive: unchecked-hash .pyc without build paths or sources', () => {
    const zip = join(moved, 'lib', `python${TAG}.zip`);
    const script =
      'import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1])\nnames = z.namelist()\n' +
      'pyc = z.read("argparse.pyc")\nprint(json.dumps({"py": [n for n in names if n.endswith(".py")], "flags": int.from_bytes(pyc[4:8], "little"), "root": b"/root/" in pyc, "cache": b".cache/" in pyc, "stored": all(i.compress_type == 0 for i in z.infolist())}))';
    const listed = JSON.parse(execFileSync(python.path, ['-I', '-c', script, zip], { encoding: 'utf8' })) as {
      py: string[];
      flags: number;
      root: boolean;
      cache: boolean;
      stored: boolean;
    };
    assert.deepEqual(listed.py, [], 'no sources by default');
    assert.equal(listed.flags, 1, 'flags: hash-based, unchecked');
    assert.equal(listed.root, false, 'pyc embeds a build path');
    assert.equal(listed.cache, false, 'pyc embeds the cache path');
    assert.equal(listed.stored, true, 'entries are stored (the slot is compressed as a whole)');
    const r = spawnSync(
      join(moved, 'bin', 'python3'),
      ['-I', '-c', 'import argparse; print(argparse.__file__)'],
      { env: {}, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(zip, 'argparse.pyc'));
  });

  test('second build is taken from the cache', async () => {
    const info = await probeInterpreter(python.path, '--python');
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
}

describe('runtime cache: a failed or abandoned build leaves nothing behind', {
  skip: MACHINE_PYTHONS[0] ? false : missing('a CPython'),
}, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flavor-runtime-fail-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('a build that fails (here: the smoke test, the copied stdlib is empty) caches nothing', async () => {
    await ensureTools();
    const real = MACHINE_PYTHONS[0]!.info;
    // An installation whose standard library is an empty folder: the copied interpreter cannot start.
    const prefix = join(tmp, 'broken-prefix');
    const stdlib = join(prefix, 'lib', 'python-empty');
    mkdirSync(stdlib, { recursive: true });
    writeFileSync(join(stdlib, 'README'), 'no os.py here\n');
    const cache = join(tmp, 'cache');
    await assert.rejects(
      buildRuntime({
        interpreter: {
          ...real,
          prefix,
          stdlib,
          platstdlib: stdlib,
          sitePackages: join(stdlib, 'site-packages'),
        },
        buildCacheDir: cache,
        strip: false,
        log: () => {},
      }),
      (e: unknown) => isFlavorError(e, 'TOOL_FAILED') && /does not start|sys\.prefix/.test(e.message),
    );
    assert.deepEqual(
      readdirSync(join(cache, 'python-runtimes')),
      [],
      'the cache holds no entry and no staging folder',
    );
  });

  test('staging folders of dead builds are removed; those of running builds are kept', async () => {
    const cache = join(tmp, 'cache2');
    const runtimes = join(cache, 'python-runtimes');
    mkdirSync(runtimes, { recursive: true });
    const dead = spawnSync('true').pid; // a finished process: its pid is free (or reused, rarely)
    const deadDir = join(runtimes, `.tmp-cpython-x-${dead}-0123abcd`);
    const liveDir = join(runtimes, `.tmp-cpython-y-${process.ppid}-0123abcd`);
    mkdirSync(join(deadDir, 'runtime'), { recursive: true });
    mkdirSync(liveDir, { recursive: true });
    const info = MACHINE_PYTHONS[0]!.info;
    const built = await buildRuntime({
      interpreter: info,
      buildCacheDir: cache,
      strip: false,
      log: () => {},
    });
    assert.equal(built.cached, false);
    assert.ok(!existsSync(deadDir), 'the abandoned staging folder is gone');
    assert.ok(existsSync(liveDir), "a running build's staging folder is kept");
    const entries = readdirSync(runtimes).filter((n) => !n.startsWith('.tmp-'));
    assert.equal(entries.length, 1);
    assert.ok(existsSync(join(runtimes, entries[0]!, 'runtime.json')));
  });
});

describe('checkSelfContained', () => {
  test('refuses absolute and escaping links, accepts links inside', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flavor-selfcontained-'));
    try {
      mkdirSync(join(root, 'lib'));
      writeFileSync(join(root, 'lib', 'a.py'), '');
      symlinkSync('a.py', join(root, 'lib', 'b.py'));
      await checkSelfContained(root);
      symlinkSync('/etc/python3.11/sitecustomize.py', join(root, 'lib', 'sitecustomize.py'));
      await assert.rejects(checkSelfContained(root), /lib\/sitecustomize\.py links to \/etc\/python3\.11/);
      rmSync(join(root, 'lib', 'sitecustomize.py'));
      symlinkSync('../../outside', join(root, 'lib', 'up'));
      await assert.rejects(checkSelfContained(root), /lib\/up links to \.\.\/\.\.\/outside/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
