// `flavor pack` of a pyproject with the [tool.flavor.build] options and the pack-time checks, end to end
// with the real launcher: examples/tuned (build env, pre-commands, dependency and runtime optimisation),
// --validate-before-sign, --test-command, --strict, and `inspect --show-deps --dependency-tree`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listDir, parseJson, REPO_ROOT, runFlavor, tempDir, writeTree } from '../helpers/cli.js';
import { ensureTools, TEST_BUILD_CACHE, TEST_PYTHON, testEnv } from '../python/helpers.js';

let work: string;
let tuned: string;
let packed: { code: number; stdout: string; stderr: string };

const env = () => {
  const e = testEnv();
  return {
    FLAVOR_BUILD_CACHE: TEST_BUILD_CACHE,
    UV_CACHE_DIR: e.UV_CACHE_DIR,
    PIP_CACHE_DIR: e.PIP_CACHE_DIR,
  };
};

function pack(manifest: string, output: string, extra: string[] = []) {
  return runFlavor(['pack', '-m', manifest, '-o', output, '--key-seed', 'opts', ...extra], {
    env: env(),
    timeoutMs: 600_000,
  });
}

/** A stdlib-only project whose entry point exits with `code`. */
async function tiny(name: string, flavorBuild: string, code = 0): Promise<string> {
  const dir = path.join(work, name);
  await writeTree(dir, {
    'pyproject.toml': `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "${name}"\nversion = "1.0"\n[project.scripts]\n${name} = "${name.replace(/-/g, '_')}:main"\n${flavorBuild}\n`,
    [`${name.replace(/-/g, '_')}/__init__.py`]: `import sys\n\ndef main():\n    print("app says hello")\n    print("app complains", file=sys.stderr)\n    return ${code}\n`,
  });
  return path.join(dir, 'pyproject.toml');
}

before(async () => {
  await ensureTools();
  work = await tempDir('flavor-pack-options-');
  const project = path.join(work, 'tuned');
  await fs.cp(path.join(REPO_ROOT, 'examples', 'tuned'), project, {
    recursive: true,
    filter: (src) => !/[\\/](dist|build|_build_info\.py|[^\\/]*\.egg-info)$/.test(src),
  });
  tuned = path.join(work, 'tuned.psp');
  packed = await pack(path.join(project, 'pyproject.toml'), tuned, [
    '--validate-before-sign',
    '--test-command',
    '',
  ]);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('examples/tuned packs: pre-commands ran with the build env and were shown, deps slimmed, checks passed', () => {
  assert.equal(packed.code, 0, packed.stderr);
  const err = packed.stderr;
  assert.match(err, /pre_install_commands\[0\]: \$ echo/);
  assert.match(err, /\| preparing built by flavor pack/, 'the build env reaches the commands, output shown');
  assert.match(err, /pre_build_commands\[0\]: \$ sh scripts\/write_build_info\.sh/);
  assert.match(err, /left out of the dependencies by "py\.typed": .*rich\/py\.typed/);
  assert.match(err, /dependency optimisation removed \d+ files\/folders, [\d.]+ KiB/);
  assert.match(err, /precompiling the dependencies and the app \(optimization level 2, sources removed\)/);
  assert.match(err, /validate: the launcher verifies and extracts all 3 slots/);
  assert.match(err, /test: the packed app exited with 0/);
});

test('the packed app runs with -OO, without docstrings, from .pyc only, with the generated module', () => {
  const r = spawnSync(tuned, [], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', FLAVOR_CACHE: path.join(work, 'cache') },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /optimization level\s*│ 2/);
  assert.match(r.stdout, /docstrings\s*│ stripped/);
  assert.match(r.stdout, /module file\s*│ cli\.pyc/);
  assert.match(r.stdout, /build info\s*│ built by flavor pack/);
});

/** The entry names of a zip archive, read by the machine's Python. */
function zipNames(file: string): string[] {
  const python = TEST_PYTHON?.path ?? 'python3';
  const script = 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))';
  const r = spawnSync(python, ['-I', '-c', script, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((n) => n !== '');
}

test('the slots hold no .py of the app or the dependencies, no .pyi, no py.typed', () => {
  const out = path.join(work, 'extracted');
  const r = spawnSync('node', [path.join(REPO_ROOT, 'bin', 'flavor.js'), 'extract-all', tuned, out], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const files = spawnSync('find', [out, '-type', 'f'], { encoding: 'utf8' }).stdout.split('\n');
  const deps = files.filter((f) => f.includes('/01-site-packages/') || f.includes('/02-app/'));
  // rich is zip-safe: it is in the dependencies archive, as bytecode only.
  const depsZip = deps.find((f) => f.endsWith('/_flavor_deps.zip'));
  assert.ok(depsZip, 'the dependencies archive is in the site-packages slot');
  const zipped = zipNames(depsZip);
  assert.ok(zipped.includes('rich/console.pyc'), 'rich is there as bytecode');
  assert.deepEqual(
    [...deps, ...zipped].filter((f) => /\.(py|pyi)$|py\.typed$/.test(f)),
    [],
  );
  const stdlibZip = files.find((f) => /\/00-runtime\/lib\/python3\d+\.zip$/.test(f));
  assert.ok(stdlibZip, 'the stdlib archive is in the runtime slot');
  assert.ok(zipNames(stdlibZip).includes('os.pyc'), 'the stdlib archive holds bytecode');
});

test('inspect --show-deps --dependency-tree: names, versions, licences, which requires which (text and JSON)', async () => {
  const text = await runFlavor(['inspect', tuned, '--show-deps', '--dependency-tree']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {2}rich \d+\.\d+\.\d+ +MIT +\[site-packages\]$/m);
  assert.match(text.stdout, /^tuned-demo 0\.1\.0$/m);
  assert.match(text.stdout, /^└── rich \d/m);
  assert.match(text.stdout, /^ {4}├── markdown-it-py \d[^\n]*\n {4}│ {3}└── mdurl \d/m);
  const json = parseJson(
    (await runFlavor(['inspect', tuned, '--show-deps', '--dependency-tree', '--json'])).stdout,
  );
  const deps = json.dependencies as Array<{ name: string; requires: string[]; license: string | null }>;
  assert.deepEqual(deps.find((d) => d.name === 'rich')?.requires, ['markdown-it-py', 'pygments']);
  const tree = json.dependency_tree as Array<{ name: string; requires: Array<{ name: string }> }>;
  assert.equal(tree[0]?.name, 'tuned-demo');
  assert.equal(tree[0]?.requires[0]?.name, 'rich');
});

test('--test-command: a failing app stops the pack, shows its output, writes nothing', async () => {
  const manifest = await tiny('fails-test', '', 3);
  const out = path.join(work, 'fails-test-out', 'x.psp');
  const r = await pack(manifest, out, ['--test-command=--flag "two words"']);
  assert.equal(r.code, 15, r.stderr);
  assert.match(
    r.stderr,
    /flavor: error: --test-command "--flag \\?"two words\\?"": the packed app exited with code 3; the package was not written/,
  );
  assert.match(r.stderr, /app says hello/);
  assert.match(r.stderr, /app complains/);
  assert.deepEqual(await listDir(path.dirname(out)), [], 'no package and no staging file');
});

test('a failing pre_build command stops the pack naming the command and its exit code', async () => {
  const manifest = await tiny(
    'fails-pre',
    '[tool.flavor.build]\npre_build_commands = ["echo generating; exit 4"]',
  );
  const out = path.join(work, 'fails-pre.psp');
  const r = await pack(manifest, out);
  assert.equal(r.code, 16, r.stderr);
  assert.match(
    r.stderr,
    /tool\.flavor\.build\.pre_build_commands\[0\] `echo generating; exit 4` failed \(exit code 4\)/,
  );
  assert.match(r.stderr, /generating/);
  assert.equal(existsSync(out), false);
});

test('--strict: an unknown key is an error; without --strict it stays a warning', async () => {
  const manifest = await tiny('strict-demo', '[tool.flavor.build]\nexclude_form_deps = ["*.pyi"]');
  const strict = await pack(manifest, path.join(work, 'strict.psp'), ['--strict']);
  assert.equal(strict.code, 16, strict.stderr);
  assert.match(
    strict.stderr,
    /flavor: error: --strict: pyproject\.toml has 1 warning:\n {2}pyproject\.toml: unknown key tool\.flavor\.build\.exclude_form_deps/,
  );
  assert.doesNotMatch(strict.stderr, /building the/, 'stops before building');
  const lenient = await pack(manifest, path.join(work, 'lenient.psp'));
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(
    lenient.stderr,
    /warning: pyproject\.toml: unknown key tool\.flavor\.build\.exclude_form_deps/,
  );
});
