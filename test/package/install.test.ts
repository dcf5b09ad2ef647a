// The npm package as a user gets it: `npm pack` (its prepack step builds the six launchers and their
// manifest) in a copy of the sources, `npm i -g --prefix` of the tarball into a fresh prefix, then with
// no Go on PATH and a fresh cache: pack examples/hello (uv and patchelf are downloaded on first need),
// run it with every host Python hidden, check `flavor doctor --json`, and refuse a tampered launcher.
// Needs Go (for the prepack step only), the npm registry (the package's dependencies) and PyPI.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { hostPlatformName, launcherFileName } from '../../src/builder/launchers.js';
import { which } from '../../src/python/tools.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { runWithoutPython } from '../helpers/hidden-python.js';

const PYTHON = path.join(
  spawnSync('pyenv', ['root'], { encoding: 'utf8' }).stdout?.trim() || '/root/.pyenv',
  'versions',
  '3.11.7',
  'bin',
  'python3.11',
);
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'bin', 'src', 'launcher'];

const missing = ['go', 'npm', 'unshare'].filter((tool) => !which(tool));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `needs ${missing.join(', ')}` : false;

let dir: string;
let tarball: string;
let prefix: string;
let installed: string;
let env: NodeJS.ProcessEnv;

function sh(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 << 20, ...options });
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    seconds: (Date.now() - started) / 1000,
  };
}

/** PATH without any folder that holds a `go` program. */
function pathWithoutGo(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d !== '' && which('go', d) === undefined)
    .join(path.delimiter);
}

function flavor(args: string[]) {
  return sh(path.join(prefix, 'bin', 'flavor'), args, { env });
}

before(async () => {
  if (skip) return;
  assert.deepEqual(missing, [], `the install test needs ${missing.join(', ')} (CI installs them)`);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-install-'));
  const stage = path.join(dir, 'stage');
  for (const item of SOURCES)
    await fs.cp(path.join(REPO_ROOT, item), path.join(stage, item), { recursive: true });
  await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(stage, 'node_modules'));

  const packed = sh('npm', ['pack', '--pack-destination', dir], { cwd: stage });
  assert.equal(packed.code, 0, `npm pack failed:\n${packed.stderr}`);
  tarball = path.join(dir, packed.stdout.trim().split('\n').pop() as string);
  const size = (await fs.stat(tarball)).size;
  console.log(`# npm pack: ${packed.seconds.toFixed(1)} s, tarball ${(size / 1e6).toFixed(1)} MB`);

  prefix = path.join(dir, 'prefix');
  const install = sh('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball]);
  assert.equal(install.code, 0, `npm install failed:\n${install.stderr}`);
  console.log(`# npm install -g --prefix: ${install.seconds.toFixed(1)} s`);
  installed = path.join(prefix, 'lib', 'node_modules', 'flavorpack');

  env = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${pathWithoutGo()}` };
  for (const name of Object.keys(env))
    if (name.startsWith('FLAVOR_') || name === 'XDG_CACHE_HOME') delete env[name];
  env.FLAVOR_CACHE = path.join(dir, 'cache');
  env.UV_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'uv');
  env.NO_COLOR = '1';
});

after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

test('the tarball carries the six launchers and their manifest, and no Go sources', { skip }, () => {
  const list = sh('tar', ['-tzf', tarball]).stdout.split('\n');
  for (const platform of [
    'linux_amd64',
    'linux_arm64',
    'darwin_amd64',
    'darwin_arm64',
    'windows_amd64',
    'windows_arm64',
  ])
    assert.ok(
      list.includes(`package/dist/launchers/${launcherFileName(platform)}`),
      `${platform} launcher shipped`,
    );
  assert.ok(list.includes('package/dist/launchers/manifest.json'));
  assert.ok(
    !list.some((f) => f.startsWith('package/launcher/') || f.includes('.tmp-')),
    'no sources or temp files',
  );
});

test('with no Go on PATH the installed flavor packs examples/hello, which runs without any Python', {
  skip,
}, async () => {
  assert.equal(which('go', env.PATH), undefined, 'go is not reachable');
  const project = path.join(dir, 'hello');
  await fs.cp(path.join(REPO_ROOT, 'examples', 'hello'), project, { recursive: true });
  const output = path.join(dir, 'hello.psp');
  const started = Date.now();
  const r = flavor([
    'pack',
    '--manifest',
    path.join(project, 'pyproject.toml'),
    '--output',
    output,
    '--key-seed',
    'install',
    '--python',
    PYTHON,
  ]);
  assert.equal(r.code, 0, `pack failed:\n${r.stderr}`);
  console.log(
    `# flavor pack (first run, downloads uv + patchelf): ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.match(r.stderr, /uv 0\.\d+\.\d+: SHA-256 verified/, 'uv was downloaded and checked on first need');
  assert.ok(existsSync(path.join(dir, 'cache', 'tools')), 'the tools went to the user cache');

  const run = runWithoutPython([output, 'flavor'], {
    PATH: '/usr/bin:/bin',
    HOME: path.join(dir, 'home'),
    FLAVOR_CACHE: path.join(dir, 'run-cache'),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Hello, flavor!$/m);
});

test('flavor doctor --json reports an installed package that can pack', { skip }, () => {
  const r = flavor(['doctor', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, true);
  assert.equal(report.flavor.install, 'package');
  assert.equal(report.go, null);
  assert.equal(report.launchers.entries.length, 6);
  assert.ok(report.launchers.entries.every((e: { status: string }) => e.status === 'ok'));
  for (const tool of report.tools) {
    assert.equal(tool.status, 'ok', `${tool.name} is cached`);
    assert.ok(tool.path.startsWith(path.join(dir, 'cache', 'tools')), tool.path);
  }
});

test('a tampered launcher in the installed package is refused, and doctor says so', { skip }, async () => {
  const launcher = path.join(installed, 'dist', 'launchers', launcherFileName(hostPlatformName()));
  const bytes = await fs.readFile(launcher);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await fs.writeFile(launcher, bytes);
  const output = path.join(dir, 'tampered.psp');
  const r = flavor([
    'pack',
    '--manifest',
    path.join(dir, 'hello', 'pyproject.toml'),
    '--output',
    output,
    '--key-seed',
    'install',
    '--python',
    PYTHON,
  ]);
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, /flavor: error: launcher flavor-launcher-\S+ was modified/);
  assert.match(r.stderr, /hint: .*reinstall flavorpack/);
  assert.doesNotMatch(r.stderr, /npm run setup/);
  assert.ok(!existsSync(output), 'nothing was written');
  const doctor = flavor(['doctor', '--json']);
  assert.equal(doctor.code, 1);
  assert.match(JSON.parse(doctor.stdout).problems.join('\n'), /modified/);
});

test('no message of the installed package tells a user to run `npm run setup`', { skip }, async () => {
  const offenders: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.js') && (await fs.readFile(p, 'utf8')).includes('npm run setup'))
        offenders.push(p);
    }
  };
  await walk(path.join(installed, 'dist'));
  assert.deepEqual(offenders, []);
});
