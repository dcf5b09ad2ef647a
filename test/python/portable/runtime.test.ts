// The built portable runtimes (`flavor runtime build`; see below for CI):
// every ELF file needs nothing newer than GLIBC_2.17, the interpreter runs from another folder with an
// empty environment and imports the modules users expect, ssl finds the system CA store, and no build
// path is left in any file. linux_arm64 runs under qemu-aarch64-static with a Debian 11 arm64 root.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compareGlibc, parseGlibcVersion } from '../../../src/format/glibc.js';
import { scanGlibcRequirement } from '../../../src/python/elf-glibc.js';
import { listFiles } from '../../../src/python/fsutil.js';
import { findPortableRuntime, type PortableTarget } from '../../../src/python/portable/build.js';
import { PYTHON_SOURCES } from '../../../src/python/portable/pins.js';
import { repoRoot } from '../../../src/python/tools.js';
import { buildCacheDir } from '../../../src/workenv/paths.js';
import { missing } from '../helpers.js';

const MODULES = ['ssl', 'hashlib', 'sqlite3', 'ctypes', 'lzma', 'bz2', 'zlib', 'decimal', 'uuid', 'zoneinfo'];
const IMPORT_CHECK = [
  `import ${MODULES.join(', ')}, sys`,
  'hashlib.sha3_256(b"x"); sqlite3.connect(":memory:").execute("select 1")',
  'ctypes.CDLL(None); lzma.compress(b"x"); bz2.compress(b"x"); zlib.compress(b"x")',
  'decimal.Decimal(1) / 3; uuid.uuid4(); print(ssl.OPENSSL_VERSION, sys.version_info[:2])',
].join('; ');

// Every pinned version on each target, wherever it is built: the set-up (`bash
// scripts/setup-portable-runtime.sh`, which CI runs) builds 3.13 for both targets; other versions are
// built by `flavor runtime build --python X.Y` (about 10 minutes per target on 2 cores), and are
// skipped, saying so, where they are not built.
async function builtRuntime(python: string, target: PortableTarget) {
  return findPortableRuntime({ python, target, buildCacheDir: buildCacheDir() });
}

/** The version scripts/setup-portable-runtime.sh builds (and CI with it). */
const SETUP_BUILDS = '3.13';

const tmp: string[] = [];
after(() => {
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
});

// Looked up before the suites are declared: a suite whose body awaits would collect another's tests.
const TARGETS = ['linux_amd64', 'linux_arm64'] as const;
const RUNTIMES = await Promise.all(
  Object.keys(PYTHON_SOURCES).flatMap((python) =>
    TARGETS.map(async (target) => ({ python, target, runtime: await builtRuntime(python, target) })),
  ),
);

for (const { python, target, runtime } of RUNTIMES) {
  describe(`portable runtime ${python} ${target}`, () => {
    // The set-up builds 3.13 for both targets: under CI its absence fails; other versions skip.
    const skip = runtime
      ? false
      : python === SETUP_BUILDS
        ? missing(`the portable runtime ${python} ${target} (scripts/setup-portable-runtime.sh builds it)`)
        : `not built here (flavor runtime build --python ${python} --platform ${target})`;

    test('every ELF file needs nothing newer than GLIBC_2.17', { skip }, async () => {
      const found = await scanGlibcRequirement([runtime!.dir]);
      assert.ok(found.elfFiles >= 30, `only ${found.elfFiles} ELF files: the extension modules are missing`);
      assert.deepEqual(found.unreadable, []);
      assert.ok(found.glibc, 'nothing needs a versioned glibc symbol: not a glibc build');
      assert.ok(
        compareGlibc(parseGlibcVersion(found.glibc)!, [2, 17]) <= 0,
        `${found.from} needs GLIBC_${found.glibc}`,
      );
    });

    test('no build path in any file; the licences of what is linked in are shipped', { skip }, async () => {
      for (const file of await listFiles(runtime!.dir)) {
        // The build leaves no bytecode (finish.sh), and a published runtime is never modified: neither a
        // cross build (it runs a copy) nor a pack (compileall -B) caches bytecode beside its modules.
        assert.ok(!file.includes('/__pycache__/'), `${file}: the cached runtime was modified`);
        const bytes = readFileSync(file);
        assert.equal(bytes.indexOf('portable-runtimes/.tmp-'), -1, `${file} names its build folder`);
        assert.equal(bytes.indexOf(repoRoot()), -1, `${file} names the repository`);
      }
      for (const name of [
        'cpython',
        'openssl',
        'libffi',
        'zlib',
        'bzip2',
        'xz',
        'sqlite',
        'libuuid',
        'expat',
        'mpdecimal',
      ]) {
        assert.ok(existsSync(join(runtime!.dir, 'share', 'licenses', name)), `no licence for ${name}`);
      }
      // libmpdec ships no licence file: finish.sh writes its sources' licence comment as one
      const mpdec = readFileSync(join(runtime!.dir, 'share', 'licenses', 'mpdecimal', 'LICENSE'), 'utf8');
      assert.match(mpdec, /^Copyright \(c\) \d{4}-\d{4} Stefan Krah\. All rights reserved\.\n/);
      assert.match(mpdec, /^Redistribution and use in source and binary forms/m);
      assert.doesNotMatch(mpdec, /^ \*|\*\//m, 'comment markers left in the licence text');
    });

    test('imports the expected modules from another folder, with an empty environment', { skip }, () => {
      const moved = mkdtempSync(join(tmpdir(), 'flavor-portable-'));
      tmp.push(moved);
      cpSync(runtime!.dir, join(moved, 'rt'), { recursive: true, verbatimSymlinks: true });
      const executable = join(moved, 'rt', 'bin', `python${python}`);
      const result = runTarget(target, [executable, '-I', '-B', '-c', IMPORT_CHECK], {});
      if (result === undefined) return;
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`OpenSSL 3\\.0\\.\\d+ .*\\(${python.replace('.', ', ')}\\)`));
    });

    test('ssl: the system CA store is loaded by default; SSL_CERT_FILE still decides when set', {
      skip,
    }, () => {
      const count = 'import ssl; print(ssl.create_default_context().cert_store_stats()["x509_ca"])';
      const executable = runtime!.executable;
      const system = runTarget(target, [executable, '-I', '-B', '-c', count], {});
      if (system === undefined) return;
      assert.equal(system.status, 0, system.stderr);
      assert.ok(Number(system.stdout) > 10, `only ${system.stdout.trim()} CA certificates loaded`);
      const overridden = runTarget(target, [executable, '-I', '-B', '-c', count], {
        SSL_CERT_FILE: '/dev/null',
      });
      assert.equal(overridden?.stdout.trim(), '0');
    });
  });
}

/** Runs a target binary: natively for the host's target, under qemu with an arm64 root otherwise. */
function runTarget(target: PortableTarget, argv: string[], env: NodeJS.ProcessEnv) {
  const host = process.arch === 'x64' ? 'linux_amd64' : 'linux_arm64';
  if (target === host) return spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8' });
  const qemu = '/usr/bin/qemu-aarch64-static';
  const root = join(
    process.env['FLAVOR_USERLAND_DIR'] ?? join(repoRoot(), '.cache', 'userland'),
    'bullseye-arm64',
  );
  if (!existsSync(qemu) || !existsSync(join(root, '.complete'))) {
    missing(`qemu-aarch64-static and an arm64 Debian 11 root in ${root} (scripts/setup-old-userland.sh)`);
    return undefined;
  }
  return spawnSync(qemu, ['-L', root, ...argv], { env, encoding: 'utf8' });
}
