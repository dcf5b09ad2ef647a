// Packing a Python project for another platform with --python-dist (issue 19, items 4 and 6): a
// python-build-standalone-shaped archive made at test time (test/helpers/synthetic-dist.ts) is the
// runtime; wheels are chosen for the target by uv; the package carries the target's launcher. The arm64
// package is then verified, installed and its command run under qemu-aarch64-static (CI installs
// qemu-user-static; without binfmt_misc the launcher cannot exec an arm64 program itself, so the
// planned command line is run by qemu directly in the workenv the arm64 launcher installed).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { executableKind } from '../../src/builder/launcher-check.js';
import { buildLauncher } from '../../src/builder/launchers.js';
import { openPackage } from '../../src/reader/open.js';
import { runFlavor, tempDir, writeTree } from '../helpers/cli.js';
import { makeSyntheticDist } from '../helpers/synthetic-dist.js';
import { CACHE, missing, splitCommand } from '../python/helpers.js';

const QEMU = 'qemu-aarch64-static';
const hasQemu = spawnSync(QEMU, ['--version']).status === 0;
const qemuMissing = hasQemu ? false : missing(`${QEMU} (Debian qemu-user-static)`);

let work: string;
const launchers: Record<string, string> = {};
const dists: Record<string, string> = {};

before(async () => {
  work = await tempDir('flavor-pack-cross-');
  for (const platform of ['linux_arm64', 'darwin_arm64']) {
    launchers[platform] = (await buildLauncher({ platform, outDir: path.join(work, 'launchers') })).path;
    dists[platform] = (await makeSyntheticDist(work, platform)).archive;
  }
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function project(name: string, extra: { dependencies?: string[]; flavor?: string } = {}): string {
  return [
    '[project]',
    `name = "${name}"`,
    'version = "1.0"',
    `dependencies = ${JSON.stringify(extra.dependencies ?? [])}`,
    '[project.scripts]',
    `${name} = "${name}:main"`,
    '[build-system]',
    'requires = ["hatchling"]',
    'build-backend = "hatchling.build"',
    extra.flavor ?? '',
    '',
  ].join('\n');
}

async function writeProject(name: string, extra: Parameters<typeof project>[1] = {}): Promise<string> {
  await writeTree(work, {
    [`${name}/pyproject.toml`]: project(name, extra),
    [`${name}/${name}/__init__.py`]: 'def main():\n    print("hi")\n',
  });
  return path.join(work, name, 'pyproject.toml');
}

const ENV = () => ({
  FLAVOR_CACHE: path.join(work, 'cache'),
  UV_CACHE_DIR: path.join(CACHE, 'uv'),
});

async function packFor(manifest: string, platform: string, output: string, extra: string[] = []) {
  return runFlavor(
    [
      'pack',
      '-m',
      manifest,
      '--platform',
      platform,
      '--launcher-bin',
      launchers[platform] as string,
      '-o',
      output,
      '--key-seed',
      'cross',
      ...extra,
    ],
    { env: ENV(), timeoutMs: 240_000 },
  );
}

function qemu(args: string[], env: Record<string, string> = {}) {
  return spawnSync(QEMU, args, {
    encoding: 'utf8',
    env: { ...process.env, FLAVOR_CACHE: path.join(work, 'run-cache'), ...env },
    timeout: 120_000,
  });
}

describe('--platform linux_arm64 --python-dist <aarch64 archive>', () => {
  let pkg: string;
  before(async () => {
    const manifest = await writeProject('crossapp', { dependencies: ['pyyaml==6.0.2'] });
    pkg = path.join(work, 'crossapp-arm64.psp');
    const result = await packFor(manifest, 'linux_arm64', pkg, [
      '--python-dist',
      dists.linux_arm64 as string,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /building for linux_arm64: wheels for aarch64-unknown-linux-gnu, Python 3\.12 \(uv, wheels only\)/,
    );
  });

  test('the package is an arm64 launcher around the archive, with arm64 wheels', async () => {
    const opened = await openPackage(pkg);
    const python = opened.metadata.python as Record<string, unknown>;
    assert.equal(python.platform, 'linux-aarch64');
    assert.equal(python.version, '3.12.7');
    assert.equal(python.interpreter_source, '--python-dist');
    const head = Buffer.alloc(64);
    const handle = await fs.open(pkg, 'r');
    await handle.read(head, 0, 64, 0);
    await handle.close();
    assert.deepEqual(executableKind(head), { os: 'linux', arch: 'arm64' });
    assert.match(opened.metadata.execution.command, /^"\{workenv\}\/bin\/python3\.12" /);
  });

  test('under qemu: the arm64 launcher verifies and installs it; the planned command runs', async (t) => {
    if (qemuMissing) return t.skip(qemuMissing);
    const verify = qemu([pkg, 'verify'], { FLAVOR_LAUNCHER_CLI: '1' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /verification passed/);
    const ensure = qemu([pkg, 'slot', 'ensure', 'runtime'], { FLAVOR_LAUNCHER_CLI: '1' });
    assert.equal(ensure.status, 0, ensure.stderr);
    const workenv = ensure.stdout.trim();
    const exe = path.join(workenv, 'bin', 'python3.12');
    assert.deepEqual(executableKind(await fs.readFile(exe)), { os: 'linux', arch: 'arm64' });
    const so = (await fs.readdir(path.join(workenv, 'lib/python3.12/site-packages/yaml'))).filter((n) =>
      n.endsWith('.so'),
    );
    assert.deepEqual(so, ['_yaml.cpython-312-aarch64-linux-gnu.so'], 'the C extension is the arm64 wheel');
    const opened = await openPackage(pkg);
    const argv = splitCommand(opened.metadata.execution.command.replaceAll('{workenv}', workenv));
    const run = qemu([...argv, 'arg1']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^fake-python linux\/arm64 args=-I -B -m _flavor_run crossapp crossapp:main arg1\nlayout ok\n/,
    );
  });
});

test('a dependency with no wheel for the target is WHEEL_UNAVAILABLE, naming it', async () => {
  const manifest = await writeProject('nowheel', { dependencies: ['pyyaml==5.3'] });
  const out = path.join(work, 'nowheel.psp');
  const result = await packFor(manifest, 'linux_arm64', out, ['--python-dist', dists.linux_arm64 as string]);
  assert.equal(result.code, 16, result.stderr);
  assert.match(
    result.stderr,
    /flavor: error: the dependency pyyaml has no wheel for linux_arm64 \(Python 3\.12, aarch64-unknown-linux-gnu\)/,
  );
  assert.match(
    result.stderr,
    /hint: pin a version of pyyaml that publishes a wheel for aarch64-unknown-linux-gnu/,
  );
  assert.equal(existsSync(out), false);
});

test('[tool.flavor.build.platform.<os_arch>].env reaches the dependency install of that target only', async () => {
  // A wheel found only through UV_FIND_LINKS with UV_NO_INDEX: it installs only when the env applies.
  const links = path.join(work, 'links');
  await fs.mkdir(links, { recursive: true });
  const made = spawnSync('python3', ['-c', WHEEL_SCRIPT, links], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const env = `env = { UV_NO_INDEX = "1", UV_FIND_LINKS = ${JSON.stringify(links)} }`;
  const good = await writeProject('envapp', {
    dependencies: ['flavor-tinydep-19'],
    flavor: `[tool.flavor.build.platform.linux_arm64]\n${env}`,
  });
  const out = path.join(work, 'envapp.psp');
  const result = await packFor(good, 'linux_arm64', out, ['--python-dist', dists.linux_arm64 as string]);
  assert.equal(result.code, 0, result.stderr);
  const opened = await openPackage(out);
  assert.deepEqual((opened.metadata.python as { dependencies: string[] }).dependencies, [
    'flavor_tinydep_19==1.0',
  ]);
  // The same settings for another platform do not apply to linux_arm64: the dependency is not found.
  const other = await writeProject('envother', {
    dependencies: ['flavor-tinydep-19'],
    flavor: `[tool.flavor.build.platform.windows_amd64]\n${env}\n[tool.flavor.build]\nenv = { UV_OFFLINE = "1" }`,
  });
  const refused = await packFor(other, 'linux_arm64', path.join(work, 'envother.psp'), [
    '--python-dist',
    dists.linux_arm64 as string,
  ]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /flavor-tinydep-19/);
});

describe('--platform darwin_arm64 --python-dist <aarch64-apple-darwin archive>', () => {
  test('packs a Mach-O arm64 launcher around the archive (it cannot run here: structure checked)', async () => {
    const manifest = await writeProject('macapp');
    const out = path.join(work, 'macapp.psp');
    const result = await packFor(manifest, 'darwin_arm64', out, [
      '--python-dist',
      dists.darwin_arm64 as string,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const opened = await openPackage(out);
    assert.equal((opened.metadata.python as { platform: string }).platform, 'macosx-11.0-arm64');
    const head = Buffer.alloc(64);
    const handle = await fs.open(out, 'r');
    await handle.read(head, 0, 64, 0);
    await handle.close();
    assert.deepEqual(executableKind(head), { os: 'darwin', arch: 'arm64' });
  });

  test('an archive whose name says darwin but whose interpreter is linux arm64 is refused', async () => {
    const manifest = await writeProject('lying');
    const renamed = path.join(work, 'cpython-3.12.7+20241231-aarch64-apple-darwin-install_only.tar.gz');
    await fs.copyFile(dists.linux_arm64 as string, renamed);
    const out = path.join(work, 'lying.psp');
    const result = await packFor(manifest, 'darwin_arm64', out, ['--python-dist', renamed]);
    assert.equal(result.code, 16, result.stderr);
    assert.match(
      result.stderr,
      /\(bin\/python3\.12\) is built for linux_arm64, but the package targets darwin_arm64/,
    );
    assert.equal(existsSync(out), false);
  });

  test('an archive without a triple in its name is recognised by its interpreter', async () => {
    const manifest = await writeProject('plainname');
    const renamed = path.join(work, 'python-runtime.tar.gz');
    await fs.copyFile(dists.darwin_arm64 as string, renamed);
    const out = path.join(work, 'plainname.psp');
    const result = await packFor(manifest, 'darwin_arm64', out, ['--python-dist', renamed]);
    assert.equal(result.code, 0, result.stderr);
    const python = (await openPackage(out)).metadata.python as { version: string; platform: string };
    assert.deepEqual([python.version, python.platform], ['3.12.7', 'macosx-11.0-arm64']);
  });
});

/** Writes flavor_tinydep_19-1.0-py3-none-any.whl into argv[1]. */
const WHEEL_SCRIPT = `
import sys, zipfile, hashlib, base64, os
out = os.path.join(sys.argv[1], "flavor_tinydep_19-1.0-py3-none-any.whl")
files = {
  "flavor_tinydep_19/__init__.py": "VALUE = 19\\n",
  "flavor_tinydep_19-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: flavor-tinydep-19\\nVersion: 1.0\\n",
  "flavor_tinydep_19-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
  for name, text in files.items():
    data = text.encode()
    z.writestr(name, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")
  record.append("flavor_tinydep_19-1.0.dist-info/RECORD,,")
  z.writestr("flavor_tinydep_19-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
