// End to end: pack the example Python projects with the real CLI, then run each package through the Go
// launcher in a mount namespace where every host Python is hidden (tmpfs over the interpreter folders,
// /dev/null over python binaries) and the environment is cleared. Proves the package needs no Python.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { compareGlibc, parseGlibcVersion, thisMachineLibc } from '../../src/format/glibc.js';
import { openPackage } from '../../src/reader/open.js';
import { REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { cycloneDxValidator, schemaErrors, spdxValidator } from '../helpers/sbom-schemas.js';
import { MACHINE_PYTHONS, missing, type PythonKind, pythonOfKind, TEST_PYTHON } from '../python/helpers.js';

// Whatever interpreters this machine has (test/python/helpers.ts): the packs use the one `flavor pack`
// would choose, and one more pack per other kind (distribution /usr Python — required under CI —, pyenv, uv).
const PY = TEST_PYTHON ?? (missing('a CPython >= 3.9') as never);
const PYTHON = PY.path;
const BUILD_CACHE = path.join(REPO_ROOT, '.cache', 'test-build-cache');

/** Folders that could provide a Python, hidden inside the namespace: each interpreter's own trees. */
const HIDE_DIRS = [
  ...new Set([
    '/usr/lib/python3',
    '/opt',
    ...MACHINE_PYTHONS.flatMap((p) =>
      p.info.prefix === '/usr'
        ? [p.info.stdlib, p.info.platstdlib, path.dirname(p.info.sitePackages)]
        : [p.kind === 'pyenv' ? p.info.prefix.replace(/\/versions\/[^/]+$/, '') : p.info.prefix],
    ),
  ]),
].sort();
const HIDE_GLOBS = [
  '/usr/bin/python* /usr/local/bin/python* /usr/bin/pydoc* /usr/local/bin/pip*',
  ...MACHINE_PYTHONS.map((p) => p.path),
].join(' ');

let dir: string;
const built: Record<string, string> = {};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` with every host Python hidden and only PATH, HOME, FLAVOR_CACHE (+ extra) set. */
function runHidden(argv: string[], extraEnv: Record<string, string> = {}): Run {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: path.join(dir, 'home'),
    FLAVOR_CACHE: path.join(dir, 'cache'),
    ...extraEnv,
  };
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const script = [
    'set -e',
    `for d in ${HIDE_DIRS.join(' ')}; do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done`,
    `for f in ${HIDE_GLOBS}; do if [ -e "$f" ]; then mount --bind /dev/null "$f"; fi; done`,
    'exec env -i "$@"',
  ].join('\n');
  const r = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...assignments, ...argv],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function pack(example: string, extra: string[] = [], python = PYTHON, name = example): Promise<string> {
  const project = path.join(dir, name);
  await fs.cp(path.join(REPO_ROOT, 'examples', example), project, {
    recursive: true,
    filter: (src) => !/[\\/](dist|build|[^\\/]*\.egg-info)$/.test(src),
  });
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
      python,
      ...extra,
    ],
    { env: { FLAVOR_BUILD_CACHE: BUILD_CACHE }, timeoutMs: 600_000 },
  );
  assert.equal(r.code, 0, `pack ${example} with ${python} failed:\n${r.stderr}`);
  return output;
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-e2e-python-'));
  await fs.mkdir(path.join(dir, 'home'));
  built.hello = await pack('hello');
  built.cli = await pack('cli');
  built.native = await pack('native');
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * The metadata text with its base64 fields replaced by what they hold: the provenance statement (DSSE
 * payload) and the SBOM (gzip+base64) are searched for paths too, and a signature that happens to start
 * with "/" (base64) is not mistaken for an absolute path.
 */
function withEncodedFieldsDecoded(text: string): string {
  const meta = JSON.parse(text) as Record<string, unknown>;
  const provenance = meta['provenance'] as { payload?: string; signatures?: unknown[] } | undefined;
  if (provenance?.payload) {
    provenance.payload = JSON.parse(Buffer.from(provenance.payload, 'base64').toString('utf8'));
    provenance.signatures = [];
  }
  const sbom = meta['sbom'] as { data?: string } | undefined;
  if (sbom?.data) sbom.data = JSON.parse(gunzipSync(Buffer.from(sbom.data, 'base64')).toString('utf8'));
  return JSON.stringify(meta, null, 2);
}

test('pyproject packs record no build-machine path in the signed metadata', async () => {
  // The slots are generated (runtime, site-packages, app), not project files: their `source` is "".
  for (const [name, file] of Object.entries(built)) {
    const pkg = await openPackage(file);
    assert.deepEqual(
      pkg.metadata.slots.map((s) => s.source),
      ['', '', ''],
      name,
    );
    const json = withEncodedFieldsDecoded(Buffer.from(pkg.metadataJson).toString('utf8'));
    for (const leak of [dir, path.basename(dir), BUILD_CACHE, REPO_ROOT, PYTHON, 'flavor-pack-']) {
      assert.equal(json.includes(leak), false, `${name}: the metadata contains ${leak}`);
    }
    assert.doesNotMatch(json, /"\/|\.\.\//, `${name}: an absolute or parent path in the metadata`);
  }
});

test('inside the namespace there is no Python at all', () => {
  const tries = MACHINE_PYTHONS.map((p) => `${p.path} -c pass 2>/dev/null; echo "status $?"`).join('; ');
  const r = runHidden(['/bin/sh', '-c', `command -v python3 || true; ${tries}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^\/.*python3$/m, 'python3 is not on PATH');
  const statuses = [...r.stdout.matchAll(/status (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(statuses.length, MACHINE_PYTHONS.length);
  for (const [i, status] of statuses.entries()) {
    assert.ok([1, 126, 127].includes(status), `${MACHINE_PYTHONS[i]?.path} still runs (status ${status})`);
  }
});

test('examples/hello runs without Python: output, exit code, runtime env, isolation', () => {
  const r = runHidden([built.hello!, 'flavor', '--where'], {
    PYTHONPATH: '/nonexistent',
    PYTHONHOME: '/bogus',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Hello, flavor!$/m);
  assert.match(r.stdout, new RegExp(`^Python ${PY.version.replaceAll('.', '\\.')} `, 'm'));
  assert.match(
    r.stdout,
    /^prefix: .*\/cache\/workenv\/hello-1\.0\.0-[0-9a-f]{16}$/m,
    'runs from the workenv',
  );
  assert.match(r.stdout, /^from: flavor$/m, '[tool.flavor.execution.runtime.env] set reaches the app');
  assert.equal(r.stderr, '', 'nothing on stderr on a first run');
  const again = runHidden([built.hello!, '--version']);
  assert.equal(again.code, 0);
  assert.equal(again.stdout.trim(), 'hello 1.0.0');
  const bad = runHidden([built.hello!, '--no-such-option']);
  assert.equal(bad.code, 2, 'argparse usage errors keep their exit code');
});

test('examples/cli: dependencies from PyPI, two scripts, FLAVOR_COMMAND and symlink dispatch', async () => {
  const help = runHidden([built.cli!, '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage:/);
  const table = runHidden([built.cli!], { FLAVOR_COMMAND: 'flavor-cli-table' });
  assert.equal(table.code, 0, table.stderr);
  const link = path.join(dir, 'flavor-cli-table');
  await fs.symlink(built.cli!, link);
  const viaLink = runHidden([link]);
  assert.equal(viaLink.code, 0, viaLink.stderr);
  assert.equal(viaLink.stdout, table.stdout, 'a symlink named after a script runs that script');
  assert.notEqual(table.stdout, help.stdout);
  const unknown = runHidden([built.cli!], { FLAVOR_COMMAND: 'no-such-script' });
  assert.equal(unknown.code, 105);
  assert.match(unknown.stderr, /flavor-cli-table/, 'the error lists the available commands');
});

interface SbomComponent {
  'bom-ref': string;
  type: string;
  name: string;
  version?: string;
  licenses?: unknown[];
  hashes?: Array<{ content: string }>;
  externalReferences?: Array<{ url: string }>;
  properties?: Array<{ name: string; value: string }>;
}

test('examples/cli carries a signed SBOM: valid CycloneDX 1.6 and SPDX 2.3, every distribution with licence and wheel hash', async () => {
  const r = await runFlavor(['inspect', built.cli!, '--sbom']);
  assert.equal(r.code, 0, r.stderr);
  const bom = JSON.parse(r.stdout) as { components: SbomComponent[] };
  const cdx = cycloneDxValidator();
  assert.ok(cdx(bom), schemaErrors(cdx));
  const spdx = await spdxValidator();
  assert.equal(typeof spdx, 'function', String(spdx)); // this test needs PyPI anyway: no skip
  const s = await runFlavor(['inspect', built.cli!, '--sbom', '--format', 'spdx']);
  assert.equal(s.code, 0, s.stderr);
  const validate = spdx as Exclude<typeof spdx, string>;
  assert.ok(validate(JSON.parse(s.stdout)), schemaErrors(validate));

  const pkg = await openPackage(built.cli!);
  const recorded = (
    pkg.metadata.python as { dependency_tree: Array<{ name: string; version: string; slot: string }> }
  ).dependency_tree;
  const libraries = bom.components.filter((c) => c.type === 'library');
  assert.deepEqual(
    libraries.map((c) => `${c.name}==${c.version}`).sort(),
    recorded.map((d) => `${d.name}==${d.version}`).sort(),
    'every installed distribution, with its version',
  );
  for (const name of ['click', 'rich', 'markdown-it-py', 'mdurl', 'Pygments']) {
    assert.ok(
      libraries.some((c) => c.name.toLowerCase() === name.toLowerCase()),
      `${name} is listed`,
    );
  }
  for (const d of recorded.filter((x) => x.slot === 'site-packages')) {
    const c = libraries.find((x) => x.name === d.name)!;
    assert.ok(c.licenses && c.licenses.length > 0, `${d.name}: a licence`);
    assert.match(c.hashes?.[0]?.content ?? '', /^[0-9a-f]{64}$/, `${d.name}: the wheel's SHA-256`);
    assert.match(c.externalReferences?.[0]?.url ?? '', /^https:\/\/files\.pythonhosted\.org\/.+\.whl$/);
    assert.ok(
      c.properties?.some(
        (p) => p.name === 'flavorpack:python:index_url' && p.value === 'https://pypi.org/simple',
      ),
    );
  }
  const app = libraries.find((c) => c.name === 'flavor-cli-demo')!;
  assert.ok(
    app.properties?.some((p) => p.value === 'built-from-source'),
    'the project is built at pack time',
  );

  // The hashes are the real files: the launcher at the start of the package, a wheel as PyPI serves it.
  const bytes = await fs.readFile(built.cli!);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const launcher = bom.components.find((c) => c['bom-ref'] === 'launcher')!;
  assert.equal(launcher.hashes?.[0]?.content, sha(bytes.subarray(0, pkg.layout.launcherSize)));
  const mdurl = libraries.find((c) => c.name === 'mdurl')!;
  const wheel = Buffer.from(await (await fetch(mdurl.externalReferences![0]!.url)).arrayBuffer());
  assert.equal(sha(wheel), mdurl.hashes?.[0]?.content, "the recorded SHA-256 is the wheel's");
  const runtime = bom.components.find((c) => c['bom-ref'] === 'python-runtime')!;
  assert.equal(runtime.version, PY.version);
  assert.equal(runtime.hashes?.[0]?.content, sha(await fs.readFile(await fs.realpath(PYTHON))));
});

test('examples/native: the compiled extension really loads after relocation', () => {
  const r = runHidden([built.native!]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^CLoader OK: \{'items': \[1, 2, 3\], 'name': 'flavor'\}$/m);
  assert.match(r.stdout, /^extension: .*\/cache\/workenv\/native-demo-0\.1\.0-[0-9a-f]{16}\/.*_yaml.*\.so$/m);
  assert.match(r.stdout, /^libyaml \d/m);
});

test("packs record the glibc their ELF files need: at most this machine's, and the launcher runs them here", async () => {
  const host = thisMachineLibc();
  for (const name of ['hello', 'native'] as const) {
    const r = await runFlavor(['inspect', built[name]!, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const glibc = (JSON.parse(r.stdout) as { requires: { glibc: string | null } }).requires.glibc;
    const needs = parseGlibcVersion(String(glibc));
    assert.ok(needs && compareGlibc(needs, [2, 17]) > 0, `${name}: compatibility.glibc ${glibc}`);
    if (host.kind === 'glibc') {
      assert.ok(compareGlibc(needs, parseGlibcVersion(host.version)!) <= 0, `${name} needs ${glibc}`);
    }
  }
});

test('a second run is warm: no extraction, same output', () => {
  const first = runHidden([built.hello!, 'x'], { FLAVOR_LOG_LEVEL: 'debug' });
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /extracting/i, 'the workenv from the earlier test is reused');
});

test('an unsatisfiable requires-python fails clearly and lists what was found', async () => {
  const project = path.join(dir, 'too-new');
  await fs.mkdir(path.join(project, 'too_new'), { recursive: true });
  await fs.writeFile(
    path.join(project, 'pyproject.toml'),
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "too-new"\nversion = "1.0"\nrequires-python = ">=3.99"\n\n[tool.flavor]\nentry_point = "too_new:main"\n',
  );
  await fs.writeFile(path.join(project, 'too_new', '__init__.py'), 'def main():\n    return 0\n');
  const r = await runFlavor(['pack', '--manifest', path.join(project, 'pyproject.toml'), '--key-seed', 'x'], {
    env: { FLAVOR_BUILD_CACHE: BUILD_CACHE },
  });
  assert.equal(r.code, 16, r.stderr);
  assert.match(r.stderr, /flavor: error: .*3\.99/);
  assert.ok(r.stderr.includes(PY.version), 'the error lists the interpreters that were found');
  assert.ok(!existsSync(path.join(project, 'dist')), 'no output was written');
});

const KINDS: Array<{ kind: PythonKind; what: string; required: boolean }> = [
  { kind: 'distro', what: "the distribution's python3 (Debian: apt-get install python3)", required: true },
  { kind: 'pyenv', what: 'a pyenv-built CPython', required: false },
  { kind: 'uv', what: 'a uv-managed CPython', required: false },
];

for (const { kind, what, required } of KINDS) {
  const python = pythonOfKind(kind);
  const skip = python ? false : required ? missing(what) : `${what} is not installed on this machine`;
  test(`examples/hello packed with the ${kind} Python (${python?.path ?? 'none'}) runs with it hidden`, {
    skip,
  }, async () => {
    const output = await pack('hello', [], python!.path, `hello-${kind}`);
    const r = runHidden([output, 'flavor', '--where']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Hello, flavor!$/m);
    assert.ok(r.stdout.includes(`Python ${python!.version} `), r.stdout);
    assert.match(r.stdout, /^prefix: .*\/cache\/workenv\/hello-1\.0\.0-[0-9a-f]{16}$/m);
    assert.equal(r.stderr, '');
  });
}
