// planPythonBuild end to end on the examples: the planned slots are laid out as the launcher would extract
// them, and the planned commands run from there with an empty environment — before builder/launcher exist.
// examples/cli and examples/native download from PyPI (cached in <repo>/.cache/uv).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { planPythonBuild } from '../../src/python/index.js';
import type { PythonBuildEvent, PythonBuildPlan } from '../../src/python/types.js';
import {
  ensureTools,
  layoutWorkenv,
  MACHINE_PYTHONS,
  missing,
  REPO,
  runPlanned,
  TEST_BUILD_CACHE,
  TEST_PYTHON,
  testEnv,
} from './helpers.js';

const skip = TEST_PYTHON ? false : missing('a CPython >= 3.9');
const PY = TEST_PYTHON?.path ?? '';
const VERSION = TEST_PYTHON?.version ?? '';
const MINOR = VERSION.split('.').slice(0, 2).join('.');
const TAG = MINOR.replace('.', '');
/** Where this interpreter's site-packages is, relative to its prefix (dist-packages on Debian). */
const SITE_REL = TEST_PYTHON ? relative(TEST_PYTHON.info.prefix, TEST_PYTHON.info.sitePackages) : '';
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const tmp = mkdtempSync(join(tmpdir(), 'flavor-plan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function plan(
  example: string,
  extra: { python?: string; pythonDist?: string; usePip?: boolean; buildCacheDir?: string } = {},
): Promise<{ plan: PythonBuildPlan; events: PythonBuildEvent[] }> {
  await ensureTools();
  const events: PythonBuildEvent[] = [];
  const workDir = mkdtempSync(join(tmp, `${example}-`));
  const result = await planPythonBuild({
    manifestPath: join(REPO, 'examples', example, 'pyproject.toml'),
    ...(extra.pythonDist ? { pythonDist: extra.pythonDist } : { python: extra.python ?? PY }),
    usePip: extra.usePip,
    workDir,
    buildCacheDir: extra.buildCacheDir ?? TEST_BUILD_CACHE,
    log: (e) => events.push(e),
    verbose: true,
    env: testEnv(),
  });
  return { plan: result, events };
}

describe('planPythonBuild: examples/hello', { skip }, () => {
  test('plans three slots and a command that runs from a fake workenv', async () => {
    const { plan: p, events } = await plan('hello');
    assert.equal(p.packageName, 'hello');
    assert.equal(p.outputPath, join(REPO, 'examples', 'hello', 'dist', 'hello.psp'));
    assert.equal(p.interpreter.version, VERSION);
    assert.match(p.interpreter.reason, /--python/);
    const spec = p.spec;
    assert.deepEqual(spec.package, {
      name: 'hello',
      version: '1.0.0',
      description: 'FlavorPack example: a stdlib-only greeting',
    });
    assert.deepEqual(
      spec.slots.map((s) => [s.id, s.target, s.operations, s.purpose, s.lifecycle]),
      [
        ['runtime', '{workenv}', 'tar.zst', 'runtime', 'runtime'],
        ['site-packages', `{workenv}/${SITE_REL}`, 'tar.zst', 'payload', 'runtime'],
        ['app', '{workenv}/app', 'tar.zst', 'code', 'runtime'],
      ],
    );
    assert.equal(
      spec.execution.command,
      `"{workenv}/bin/python${MINOR}" -I -B -m _flavor_run hello hello.cli:main`,
    );
    assert.deepEqual(spec.execution.commands, { hello: spec.execution.command });
    assert.equal(spec.execution.primarySlot, 0);
    assert.deepEqual(spec.runtime?.env.set, { HELLO_FROM: 'flavor' });
    assert.ok(spec.runtime?.env.unset?.includes('PYTHONPATH'));
    // the app slot carries the project, without build paths
    const app = spec.slots[2]?.source as string;
    assert.ok(existsSync(join(app, 'hello', 'cli.py')));
    assert.ok(existsSync(join(app, 'hello', '__pycache__')));
    assert.ok(!existsSync(join(app, 'hello-1.0.0.dist-info', 'direct_url.json')));
    assert.ok(!existsSync(join(app, 'bin')));
    // steps are timed
    assert.ok(events.some((e) => e.kind === 'step-done' && typeof e.elapsedMs === 'number'));
    assert.ok(events.some((e) => e.kind === 'command' && e.message.includes(' pip install ')));

    const workenv = join(tmp, 'hello workenv');
    layoutWorkenv(spec, workenv);
    const r = runPlanned(spec, workenv, ['--where', 'Ada'], spec.execution.command, 'hello.psp');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Hello, Ada!\\nPython ${esc(VERSION)} \\(cpython\\)\\n`));
    assert.match(r.stdout, new RegExp(`prefix: ${workenv}\\n`));
    assert.match(r.stdout, /argv0: hello\.psp\n/);
    assert.match(r.stdout, /from: flavor\n/);
    const help = runPlanned(spec, workenv, ['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: app\.psp /);
    // -B: running did not write bytecode into the workenv
    const before = readdirSync(join(workenv, 'app', 'hello', '__pycache__')).length;
    runPlanned(spec, workenv, []);
    assert.equal(readdirSync(join(workenv, 'app', 'hello', '__pycache__')).length, before);
  });

  test('the runtime is reused from the build cache on the second pack', async () => {
    const { events } = await plan('hello');
    assert.ok(
      events.some((e) => e.kind === 'info' && e.message.startsWith('runtime taken from the build cache')),
    );
  });

  test('an interpreter outside requires-python is refused', async (t) => {
    const old = MACHINE_PYTHONS.find((p) => p.version.startsWith('3.8.'));
    if (!old) {
      t.skip('no CPython 3.8 on this machine');
      return;
    }
    await assert.rejects(plan('native', { python: old.path }), (e: unknown) => {
      return (
        isFlavorError(e, 'PYTHON_NOT_FOUND') && e.message.includes('>=3.9') && e.message.includes(old.version)
      );
    });
  });
});

describe('planPythonBuild: PyPI examples', { skip }, () => {
  test('examples/cli: click + rich, dynamic version, two commands', async () => {
    const { plan: p } = await plan('cli');
    const spec = p.spec;
    assert.equal(p.packageName, 'cli-demo');
    assert.equal(spec.package.version, '0.3.1');
    assert.deepEqual(Object.keys(spec.execution.commands ?? {}), ['flavor-cli-demo', 'flavor-cli-table']);
    assert.equal(spec.execution.command, spec.execution.commands?.['flavor-cli-demo']);
    const site = spec.slots[1]?.source as string;
    const names = readdirSync(site);
    // click and rich are zip-safe: they are in the dependencies archive, their dist-info on disk.
    assert.ok(names.includes('_flavor_deps.zip') && names.includes('_flavor_deps.pth'), names.join(' '));
    const listing = spawnSync(
      PY,
      [
        '-c',
        'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
        join(site, '_flavor_deps.zip'),
      ],
      { encoding: 'utf8' },
    );
    const zipped = listing.stdout.split('\n');
    assert.ok(
      zipped.some((n) => n.startsWith('click/')) && zipped.some((n) => n.startsWith('rich/')),
      listing.stderr,
    );
    assert.ok(
      names.some((n) => /^click-.*\.dist-info$/.test(n)),
      names.join(' '),
    );
    assert.ok(!names.some((n) => n.startsWith('flavor_cli_demo')), 'the app must not be in site-packages');
    assert.equal(
      readFileSync(join(site, '_flavor_app.pth'), 'utf8'),
      `${SITE_REL.split('/')
        .map(() => '..')
        .join('/')}/app\n`,
    );

    const workenv = join(tmp, 'cli-workenv');
    layoutWorkenv(spec, workenv);
    const greet = runPlanned(
      spec,
      workenv,
      ['--count', '2', '--name', 'Flavor'],
      spec.execution.command,
      'cli-demo.psp',
    );
    assert.equal(greet.status, 0, greet.stderr);
    assert.equal(greet.stdout, 'Hello, Flavor!\nHello, Flavor!\n');
    const help = runPlanned(spec, workenv, ['--help'], spec.execution.command, 'cli-demo.psp');
    assert.match(help.stdout, /Usage: cli-demo\.psp \[OPTIONS\]/);
    const table = runPlanned(
      spec,
      workenv,
      [],
      spec.execution.commands?.['flavor-cli-table'],
      'flavor-cli-table',
    );
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /flavor-cli-table/);
    assert.ok(table.stdout.includes(workenv.slice(0, 20)));
  });

  test('examples/native: PyYAML with the libyaml C loader, via entry_point', async () => {
    const { plan: p } = await plan('native');
    const spec = p.spec;
    assert.equal(
      spec.execution.command,
      `"{workenv}/bin/python${MINOR}" -I -B -m _flavor_run native-demo native_demo.app:main`,
    );
    assert.equal(spec.execution.commands, undefined);
    const workenv = join(tmp, 'native-workenv');
    layoutWorkenv(spec, workenv);
    const r = runPlanned(spec, workenv, []);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /CLoader OK: \{'items': \[1, 2, 3\], 'name': 'flavor'\}/);
    assert.ok(
      r.stdout.includes(`extension: ${workenv}/${SITE_REL}/yaml/_yaml.cpython-${TAG}-x86_64-linux-gnu.so`),
      r.stdout,
    );
  });
});

describe('planPythonBuild: --python-dist', { skip }, () => {
  test('a python-build-standalone style .tar.zst archive is extracted and packaged', async (t) => {
    if (spawnSync('zstd', ['--version']).status !== 0) {
      t.skip('no zstd CLI to create the archive');
      return;
    }
    // Make a PBS-like archive (python/bin/python3.X, python/lib/…) from the relocatable runtime of hello.
    const { plan: hello } = await plan('hello');
    const stage = join(tmp, 'pbs');
    cpSync(hello.spec.slots[0]?.source as string, join(stage, 'python'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    const archive = join(tmp, `cpython-${VERSION}-x86_64-unknown-linux-gnu-install_only.tar.zst`);
    const made = spawnSync('tar', ['--zstd', '-cf', archive, '-C', stage, 'python']);
    assert.equal(made.status, 0, String(made.stderr));
    const { plan: p, events } = await plan('hello', {
      pythonDist: archive,
      buildCacheDir: join(tmp, 'dist-cache'),
    });
    assert.equal(p.interpreter.version, VERSION);
    assert.match(p.interpreter.reason, /--python-dist/);
    assert.ok(p.spec.slots[0]?.source.startsWith(join(tmp, 'dist-cache')));
    assert.ok(events.some((e) => e.kind === 'info' && e.message.startsWith('runtime built')));
    const workenv = join(tmp, 'dist-workenv');
    layoutWorkenv(p.spec, workenv);
    const r = runPlanned(p.spec, workenv, ['--where']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`prefix: ${workenv}\\n`));
  });
});

describe('planPythonBuild: local dependencies', { skip }, () => {
  test('[tool.flavor.build].dependencies are built and shipped in the app slot', async () => {
    await ensureTools();
    const root = mkdtempSync(join(tmp, 'local-'));
    const setuptools =
      '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n';
    mkdirSync(join(root, 'lib', 'mylib'), { recursive: true });
    writeFileSync(
      join(root, 'lib', 'pyproject.toml'),
      `${setuptools}[project]\nname = "mylib"\nversion = "2.0"\n`,
    );
    writeFileSync(join(root, 'lib', 'mylib', '__init__.py'), 'def shout(s):\n    return s.upper() + "!"\n');
    mkdirSync(join(root, 'app', 'myapp'), { recursive: true });
    writeFileSync(
      join(root, 'app', 'pyproject.toml'),
      `${setuptools}[project]\nname = "myapp"\nversion = "1.0"\ndependencies = ["mylib"]\n\n[tool.flavor]\nentry_point = "myapp"\n\n[tool.flavor.build]\ndependencies = ["../lib"]\n`,
    );
    writeFileSync(join(root, 'app', 'myapp', '__init__.py'), '');
    writeFileSync(
      join(root, 'app', 'myapp', '__main__.py'),
      'import sys\nfrom mylib import shout\nprint(shout("hi " + sys.argv[0]), sys.argv[1:])\n',
    );
    const events: PythonBuildEvent[] = [];
    const p = await planPythonBuild({
      manifestPath: join(root, 'app', 'pyproject.toml'),
      python: PY,
      workDir: mkdtempSync(join(tmp, 'local-work-')),
      buildCacheDir: TEST_BUILD_CACHE,
      log: (e) => events.push(e),
      env: testEnv(),
    });
    const app = readdirSync(p.spec.slots[2]?.source as string).sort();
    assert.deepEqual(app, ['myapp', 'myapp-1.0.dist-info', 'mylib', 'mylib-2.0.dist-info']);
    const site = readdirSync(p.spec.slots[1]?.source as string).filter(
      (n) => !n.startsWith('_') && n !== '__pycache__',
    );
    assert.deepEqual(site, ['flavor_runtime.py'], 'only the FlavorPack glue, no third-party package');
    assert.equal(p.spec.execution.command, `"{workenv}/bin/python${MINOR}" -I -B -m _flavor_run myapp myapp`);
    const workenv = join(tmp, 'local-workenv');
    layoutWorkenv(p.spec, workenv);
    const r = runPlanned(p.spec, workenv, ['a', 'b'], p.spec.execution.command, 'myapp.psp');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "HI MYAPP.PSP! ['a', 'b']\n");
  });
});
