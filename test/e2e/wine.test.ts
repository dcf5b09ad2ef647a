// End to end under wine: the Windows launcher on a manifest package (arguments, exit codes, a command
// with backslash paths, FLAVOR_COMMAND, the cache under the wine user's %LOCALAPPDATA%, a tampered copy
// refused), and `flavor pack --platform windows_amd64` of examples/cli (click + rich) and
// examples/native (PyYAML's C extension) run under wine. The prefix (wineboot + the bcryptprimitives
// shim, src/emulation/wine.ts) is cached in ~/.cache/flavorpack-test/wine-prefix (FLAVOR_TEST_WINEPREFIX). Under CI=true a missing wine or MinGW fails.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launcherFileName } from '../../src/builder/launchers.js';
import { findWine, prepareWinePrefix, runUnderWine, type WinePrefix } from '../../src/emulation/wine.js';
import { openPackage } from '../../src/reader/open.js';
import { REPO_ROOT, runFlavor, writeJson, writeTree } from '../helpers/cli.js';
import { missing, testEnv } from '../python/helpers.js';

const tools = findWine();
const skip = 'missing' in tools ? missing(tools.missing.join(' and ')) : false;
const WINDOWS_LAUNCHER = path.join(REPO_ROOT, 'dist', 'launchers', launcherFileName('windows_amd64'));
const BUILD_CACHE = path.join(REPO_ROOT, '.cache', 'test-build-cache');
const KEY = ['--key-seed', 'wine-e2e'];
// Outside the repository: a prefix's dosdevices/z: links to /, which tree walkers (biome) would follow.
const WINE_PREFIX =
  process.env['FLAVOR_TEST_WINEPREFIX'] ??
  path.join(os.homedir(), '.cache', 'flavorpack-test', 'wine-prefix');

let prefix: WinePrefix;
let dir: string;

before(async () => {
  if (skip || 'missing' in tools) return;
  if (!existsSync(WINDOWS_LAUNCHER)) {
    throw new Error(
      `${WINDOWS_LAUNCHER} is missing: run \`node bin/flavor.js helpers build --platform windows_amd64\` (scripts/setup.sh does)`,
    );
  }
  prefix = await prepareWinePrefix(WINE_PREFIX, tools);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-wine-'));
});

after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** A fresh cache folder inside the prefix's %LOCALAPPDATA% (the launcher's default root is under it). */
async function cacheOf(name: string): Promise<{ unix: string; windows: string }> {
  await fs.rm(path.join(prefix.localAppData, 'flavor-test', name), { recursive: true, force: true });
  return {
    unix: path.join(prefix.localAppData, 'flavor-test', name),
    windows: `C:\\users\\${path.basename(path.dirname(path.dirname(prefix.localAppData)))}\\AppData\\Local\\flavor-test\\${name}`,
  };
}

async function packManifest(): Promise<string> {
  const src = path.join(dir, 'manifest');
  await writeTree(src, {
    'app/run.bat': '@echo off\r\necho args: %*\r\nexit /b 7\r\n',
  });
  const manifest = await writeJson(path.join(src, 'build.json'), {
    package: { name: 'wine-manifest', version: '1.0' },
    execution: {
      // A command with backslash paths: the Windows launcher keeps them (they were escapes before).
      command: 'C:\\windows\\system32\\cmd.exe /c {workenv}/run.bat first',
      commands: { env: 'C:\\windows\\system32\\cmd.exe /c set FLAVOR_' },
    },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz', purpose: 'code' }],
  });
  const out = path.join(dir, 'wine-manifest.exe');
  const r = await runFlavor(['pack', '-m', manifest, '--platform', 'windows_amd64', '-o', out, ...KEY]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('the Windows launcher runs a manifest package under wine: arguments, exit code, commands', {
  skip,
  timeout: 600_000,
}, async () => {
  const exe = await packManifest();
  const r = await runUnderWine(prefix, exe, ['a', 'b c']);
  assert.equal(r.code, 7, `the batch file's exit code comes back through the launcher\n${r.stderr}`);
  assert.equal(r.stdout.trim(), 'args: first a "b c"');

  const env = await runUnderWine(prefix, exe, [], { env: { FLAVOR_COMMAND: 'env' } });
  assert.equal(env.code, 0, env.stderr);
  const workenv = /^FLAVOR_WORKENV=(.*)$/m.exec(env.stdout.replaceAll('\r', ''))?.[1];
  assert.match(
    workenv ?? '',
    /^C:\\users\\[^\\]+\\AppData\\Local\\flavor\\cache\\workenv\\wine-manifest-1\.0-[0-9a-f]+$/,
  );
  const unix = path.join(
    prefix.localAppData,
    'flavor',
    'cache',
    'workenv',
    path.win32.basename(workenv ?? ''),
  );
  assert.ok(
    existsSync(path.join(unix, 'run.bat')),
    `the workenv is in the wine user's AppData\\Local: ${unix}`,
  );

  const bad = await runUnderWine(prefix, exe, [], { env: { FLAVOR_COMMAND: 'nope' } });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /FLAVOR_COMMAND=nope is not a command of this package \(available: env\)/);
});

test('a tampered Windows package is refused under wine, before anything is extracted', {
  skip,
  timeout: 600_000,
}, async () => {
  const exe = await packManifest();
  const pkg = await openPackage(exe);
  const slot = pkg.descriptors[0];
  assert.ok(slot, 'the package has a slot');
  const bytes = await fs.readFile(exe);
  const at = Number(slot.offset) + Math.floor(Number(slot.size) / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  const tampered = path.join(dir, 'tampered.exe');
  await fs.writeFile(tampered, bytes);
  const cache = await cacheOf('tampered');
  const r = await runUnderWine(prefix, tampered, [], { env: { FLAVOR_CACHE: cache.windows } });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /tampered\.exe: error: .*\[SLOT_CHECKSUM\]/);
  const workenvs = await fs.readdir(path.join(cache.unix, 'workenv')).catch(() => []);
  // Only the lock the launcher takes before it reads the package: no workenv, no .ready marker.
  assert.deepEqual(
    workenvs.filter((n) => !n.endsWith('.lock')),
    [],
    'nothing extracted',
  );
});

test("the launcher's command-line tests, cross-compiled for Windows, pass under wine", {
  skip,
  timeout: 600_000,
}, async () => {
  const exe = path.join(dir, 'launch.test.exe');
  const built = spawnSync('go', ['test', '-c', '-o', exe, './internal/launch/'], {
    cwd: path.join(REPO_ROOT, 'launcher'),
    env: { ...process.env, GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' },
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);
  // Split follows the platform it runs on: here the Windows rules, with the POSIX ones stated explicitly.
  const r = await runUnderWine(prefix, exe, [
    '-test.run',
    '^(TestSplit|TestSplitWindows|TestSplitSubstituted|TestSubstitute)$',
    '-test.v',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const name of ['TestSplit', 'TestSplitWindows', 'TestSplitSubstituted', 'TestSubstitute']) {
    assert.match(r.stdout, new RegExp(`--- PASS: ${name} `));
  }
});

async function packExample(name: string): Promise<string> {
  const out = path.join(dir, `${name}.exe`);
  const r = await runFlavor(
    [
      'pack',
      '-m',
      path.join(REPO_ROOT, 'examples', name, 'pyproject.toml'),
      '--platform',
      'windows_amd64',
      '-o',
      out,
      ...KEY,
    ],
    { env: { ...testEnv(), FLAVOR_BUILD_CACHE: BUILD_CACHE }, timeoutMs: 900_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /entry points not imported: the runtime is for windows_amd64/);
  return out;
}

test('flavor pack --platform windows_amd64: examples/cli (click + rich) runs under wine', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const exe = await packExample('cli');
  const cache = await cacheOf('cli');
  const env = { FLAVOR_CACHE: cache.windows };
  const first = await runUnderWine(prefix, exe, ['--name', 'wine', '--count', '2'], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.replaceAll('\r', ''), 'Hello, wine!\nHello, wine!\n');
  const warm = await runUnderWine(prefix, exe, ['--name', 'again'], { env });
  assert.equal(warm.stdout.replaceAll('\r', ''), 'Hello, again!\n');
  t.diagnostic(`cli.exe: first run ${first.ms} ms (extraction), warm run ${warm.ms} ms (under wine)`);

  const usage = await runUnderWine(prefix, exe, ['--bogus'], { env });
  assert.equal(usage.code, 2, 'click exits 2 on a usage error; the launcher passes it on');
  assert.match(usage.stderr, /No such option '--bogus'/);

  const table = await runUnderWine(prefix, exe, [], { env: { ...env, FLAVOR_COMMAND: 'flavor-cli-table' } });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /flavor-cli-table/);
  assert.match(table.stdout, /python\s*\|\s*3\.\d+\.\d+/);
  assert.match(table.stdout, /C:\\users\\.*\\flavor-test\\cli\\workenv\\cli-demo-/);
});

test('flavor pack --platform windows_amd64: examples/native (PyYAML C extension) runs under wine', {
  skip,
  timeout: 900_000,
}, async () => {
  const exe = await packExample('native');
  const r = await runUnderWine(prefix, exe, ['x'], {
    env: { FLAVOR_CACHE: (await cacheOf('native')).windows },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /CLoader OK/);
  assert.match(r.stdout, /_yaml\.cp3\d+-win_amd64\.pyd/);
});
