import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { DEFAULT_UNSET, parseProject, readProject } from '../../src/python/manifest.js';

const PATH = '/proj/pyproject.toml';
const BASE = `[project]
name = "demo"
version = "1.2.3"
dependencies = ["click>=8"]

[project.scripts]
demo = "demo.cli:main"
`;

function expectInvalid(text: string, ...fragments: string[]): void {
  assert.throws(
    () => parseProject(text, PATH),
    (error: unknown) => {
      assert.ok(isFlavorError(error, 'PROJECT_INVALID'), `expected PROJECT_INVALID, got ${String(error)}`);
      for (const fragment of fragments)
        assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
      return true;
    },
  );
}

describe('parseProject: [project]', () => {
  test('reads name, version, dependencies, scripts', () => {
    const p = parseProject(BASE, PATH);
    assert.equal(p.name, 'demo');
    assert.equal(p.version, '1.2.3');
    assert.deepEqual(p.dependencies, ['click>=8']);
    assert.deepEqual(p.scripts, [{ name: 'demo', target: 'demo.cli:main' }]);
    assert.equal(p.packageName, 'demo');
    assert.equal(p.projectDir, '/proj');
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(p.runtimeEnv, { unset: DEFAULT_UNSET });
  });

  test('dynamic version is left for the wheel', () => {
    const p = parseProject(BASE.replace('version = "1.2.3"', 'dynamic = ["version"]'), PATH);
    assert.equal(p.version, undefined);
  });

  test('missing version without dynamic is an error with a hint', () => {
    expectInvalid(BASE.replace('version = "1.2.3"\n', ''), 'project.version is missing');
  });

  test('no [project] table', () => {
    expectInvalid('[tool.flavor]\nentry_point = "a:b"\n', 'no [project] table');
  });

  test('invalid TOML names the problem', () => {
    expectInvalid('[project\nname = "x"', 'not valid TOML');
  });

  test('script values must be module:function; extras are dropped', () => {
    const p = parseProject(BASE.replace('"demo.cli:main"', '"demo.cli:main [color]"'), PATH);
    assert.equal(p.scripts[0]?.target, 'demo.cli:main');
    expectInvalid(
      BASE.replace('"demo.cli:main"', '"demo cli"'),
      'project.scripts.demo',
      '"demo cli"',
      'module:function',
    );
  });

  test('a project without scripts but with entry_point is fine', () => {
    const text = `[project]\nname = "x"\nversion = "1"\n\n[tool.flavor]\nentry_point = "x.app:main"\n`;
    const p = parseProject(text, PATH);
    assert.deepEqual(p.scripts, []);
    assert.equal(p.entryPoint, 'x.app:main');
  });

  test('a project with neither scripts nor entry_point cannot run', () => {
    expectInvalid('[project]\nname = "x"\nversion = "1"\n', 'nothing to run');
  });
});

describe('parseProject: [tool.flavor]', () => {
  test('unknown keys produce a warning naming the key', () => {
    const p = parseProject(
      `${BASE}\n[tool.flavor]\nentry_pont = "x:y"\n\n[tool.flavor.build]\nuse_pipp = true\n\n[tool.flavor.signing]\nkey = "k"\n`,
      PATH,
    );
    assert.equal(p.warnings.length, 3);
    assert.ok(p.warnings.some((w) => w.includes('tool.flavor.entry_pont')));
    assert.ok(p.warnings.some((w) => w.includes('tool.flavor.build.use_pipp') && w.includes('use_pip')));
    assert.ok(p.warnings.some((w) => w.includes('tool.flavor.signing') && w.includes('ignored')));
  });

  test('invalid values name the key, the value and what is allowed', () => {
    expectInvalid(
      `${BASE}\n[tool.flavor.build]\nuse_pip = "yes"\n`,
      'tool.flavor.build.use_pip',
      '"yes"',
      'true or false',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor]\nentry_point = "not valid!"\n`,
      'tool.flavor.entry_point',
      'module:function',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor]\npackage_name = "a/b"\n`,
      'tool.flavor.package_name',
      '"a/b"',
      'file name',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.build]\nindex_url = "ftp://x"\n`,
      'tool.flavor.build.index_url',
      'URL',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.execution.runtime.env]\nunset = "PATH"\n`,
      'runtime.env.unset',
      'array of strings',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.execution.runtime.env]\nset = { "A B" = "x" }\n`,
      'runtime.env.set.A B',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.python]\nversion = "three"\n`,
      'tool.flavor.python.version',
      '"three"',
      '"3.11"',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.python]\nmin_version = 3.1\n`,
      'tool.flavor.python.min_version',
      '3.1',
    );
    expectInvalid(
      `[project]\nname = "x"\nversion = "1"\nrequires-python = ">>3"\n[project.scripts]\nx = "x:m"\n`,
      'project.requires-python',
    );
  });

  test('package_name and metadata.package_name', () => {
    assert.equal(
      parseProject(`${BASE}\n[tool.flavor]\npackage_name = "my-tool"\n`, PATH).packageName,
      'my-tool',
    );
    assert.equal(
      parseProject(`${BASE}\n[tool.flavor.metadata]\npackage_name = "meta"\n`, PATH).packageName,
      'meta',
    );
  });

  test('build settings: paths resolved against the manifest folder', () => {
    const p = parseProject(
      `${BASE}\n[tool.flavor.build]\ndependencies = ["../lib"]\nuse_pip = true\nindex_url = "https://pypi.internal/simple"\nextra_index_urls = ["https://extra/simple"]\ntrusted_hosts = ["pypi.internal:8080"]\nrequirements_file = "req.txt"\n`,
      PATH,
    );
    assert.deepEqual(p.build.localDependencies, ['/lib']);
    assert.equal(p.build.usePip, true);
    assert.equal(p.build.indexUrl, 'https://pypi.internal/simple');
    assert.deepEqual(p.build.extraIndexUrls, ['https://extra/simple']);
    assert.deepEqual(p.build.trustedHosts, ['pypi.internal:8080']);
    assert.equal(p.build.requirementsFile, '/proj/req.txt');
  });

  test('runtime env: defaults first, user entries deduped; isolated=false drops the defaults', () => {
    const p = parseProject(
      `${BASE}\n[tool.flavor.execution.runtime.env]\nunset = ["PYTHONPATH", "LC_*"]\npass = ["HOME"]\nset = { APP_MODE = "packed" }\nmap = { OLD = "NEW" }\n`,
      PATH,
    );
    assert.deepEqual(p.runtimeEnv.unset, [...DEFAULT_UNSET, 'LC_*']);
    assert.deepEqual(p.runtimeEnv.pass, ['HOME']);
    assert.deepEqual(p.runtimeEnv.set, { APP_MODE: 'packed' });
    assert.deepEqual(p.runtimeEnv.map, { OLD: 'NEW' });
    const open = parseProject(`${BASE}\n[tool.flavor.execution.runtime.env]\nisolated = false\n`, PATH);
    assert.deepEqual(open.runtimeEnv, {});
  });

  test('python constraints from requires-python and [tool.flavor.python]', () => {
    const p = parseProject(
      BASE.replace('dependencies', 'requires-python = ">=3.9"\ndependencies') +
        '\n[tool.flavor.python]\nmin_version = "3.10"\nmax_version = "3.12"\n',
      PATH,
    );
    assert.deepEqual(
      p.pythonConstraints.map((c) => [c.key, c.text]),
      [
        ['project.requires-python', '>=3.9'],
        ['tool.flavor.python.min_version', '>=3.10'],
        ['tool.flavor.python.max_version', '<3.13'],
      ],
    );
    const v = parseProject(`${BASE}\n[tool.flavor.python]\nversion = "3.11"\n`, PATH);
    assert.equal(v.pythonConstraints[0]?.text, '==3.11.*');
    const exact = parseProject(
      `${BASE}\n[tool.flavor.python]\nversion = "3.11.7"\nmax_version = "3.12.1"\n`,
      PATH,
    );
    assert.deepEqual(
      exact.pythonConstraints.map((c) => c.text),
      ['==3.11.7', '<=3.12.1'],
    );
  });
});

describe('parseProject: [tool.flavor.build] build environment and optimisation keys', () => {
  const build = (lines: string) => parseProject(`${BASE}\n[tool.flavor.build]\n${lines}\n`, PATH).build;

  test('defaults: nothing changes what the pipeline did before these keys', () => {
    const b = build('');
    assert.deepEqual(b.env, {});
    assert.deepEqual([b.preInstallCommands, b.preBuildCommands, b.excludeFromDeps], [[], [], []]);
    assert.equal(b.includeTests, true);
    assert.equal(b.noDevDeps, true);
    assert.equal(b.optimizationLevel, 0);
    assert.equal(b.compileBytecode, true);
    assert.equal(b.includeSources, true);
    assert.deepEqual([b.zipStdlib, b.pruneStdlib, b.includeStdlibSources], [true, true, false]);
    assert.deepEqual([b.zipDependencies, b.unzippedDependencies], [true, []]);
  });

  test('standard library layout: zip_stdlib, prune_stdlib, include_stdlib_sources', () => {
    const p = parseProject(
      `${BASE}\n[tool.flavor.build]\nzip_stdlib = false\nprune_stdlib = false\ninclude_stdlib_sources = true\nzip_dependencies = false\nunzipped_dependencies = ["rich"]\n`,
      PATH,
    );
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(
      [p.build.zipStdlib, p.build.pruneStdlib, p.build.includeStdlibSources],
      [false, false, true],
    );
    assert.deepEqual([p.build.zipDependencies, p.build.unzippedDependencies], [false, ['rich']]);
  });

  test('every key is read, none is an unknown-key warning', () => {
    const text = `${BASE}\n[tool.flavor.build]\nenv = { CFLAGS = "-O2" }\npre_install_commands = ["make deps"]\npre_build_commands = ["make gen", "echo ok"]\nexclude_from_deps = ["*.pyi", "numpy/doc"]\ninclude_tests = false\nno_dev_deps = false\noptimization_level = 1\ncompile_bytecode = true\ninclude_sources = false\n`;
    const p = parseProject(text, PATH);
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(p.build.env, { CFLAGS: '-O2' });
    assert.deepEqual(p.build.preInstallCommands, ['make deps']);
    assert.deepEqual(p.build.preBuildCommands, ['make gen', 'echo ok']);
    assert.deepEqual(p.build.excludeFromDeps, ['*.pyi', 'numpy/doc']);
    assert.equal(p.build.includeTests, false);
    assert.equal(p.build.noDevDeps, false);
    assert.equal(p.build.optimizationLevel, 1);
    assert.equal(p.build.includeSources, false);
  });

  test('strip_docstrings means optimization level 2', () => {
    assert.equal(build('strip_docstrings = true').optimizationLevel, 2);
    assert.equal(build('strip_docstrings = true\noptimization_level = 2').optimizationLevel, 2);
    assert.equal(build('strip_docstrings = false').optimizationLevel, 0);
  });

  test('invalid values name the key and what is allowed', () => {
    const bad = (lines: string, ...fragments: string[]) =>
      expectInvalid(`${BASE}\n[tool.flavor.build]\n${lines}\n`, ...fragments);
    bad('optimization_level = 3', 'tool.flavor.build.optimization_level', '0, 1 (python -O) or 2');
    bad('optimization_level = "2"', 'tool.flavor.build.optimization_level');
    bad(
      'strip_docstrings = true\noptimization_level = 1',
      'tool.flavor.build.strip_docstrings',
      'optimization_level = 2',
    );
    bad(
      'compile_bytecode = false\ninclude_sources = false',
      'tool.flavor.build.include_sources',
      'compile_bytecode = false',
    );
    bad('env = { "BAD-NAME" = "x" }', 'tool.flavor.build.env.BAD-NAME');
    bad('env = { X = 1 }', 'tool.flavor.build.env.X', 'a string');
    bad('pre_build_commands = "make"', 'tool.flavor.build.pre_build_commands');
    bad('pre_install_commands = [""]', 'tool.flavor.build.pre_install_commands[0]');
    bad('exclude_from_deps = [1]', 'tool.flavor.build.exclude_from_deps[0]');
    bad('include_tests = "no"', 'tool.flavor.build.include_tests', 'true or false');
    bad('zip_stdlib = 0', 'tool.flavor.build.zip_stdlib', 'true or false');
    bad('prune_stdlib = "no"', 'tool.flavor.build.prune_stdlib', 'true or false');
    bad('include_stdlib_sources = "yes"', 'tool.flavor.build.include_stdlib_sources', 'true or false');
    bad('zip_dependencies = 1', 'tool.flavor.build.zip_dependencies', 'true or false');
    bad('unzipped_dependencies = "rich"', 'tool.flavor.build.unzipped_dependencies');
  });
});

describe('readProject: file-system checks', () => {
  test('missing manifest is NOT_FOUND; bad local dependency and requirements file are PROJECT_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flavor-manifest-'));
    try {
      await assert.rejects(readProject(join(dir, 'pyproject.toml')), (e: unknown) =>
        isFlavorError(e, 'NOT_FOUND'),
      );
      writeFileSync(
        join(dir, 'pyproject.toml'),
        `${BASE}\n[tool.flavor.build]\ndependencies = ["libs/missing"]\n`,
      );
      await assert.rejects(readProject(join(dir, 'pyproject.toml')), (e: unknown) => {
        return isFlavorError(e, 'PROJECT_INVALID') && e.message.includes('tool.flavor.build.dependencies');
      });
      mkdirSync(join(dir, 'libs', 'ok'), { recursive: true });
      writeFileSync(join(dir, 'libs', 'ok', 'pyproject.toml'), '[project]\nname="ok"\nversion="1"\n');
      writeFileSync(
        join(dir, 'pyproject.toml'),
        `${BASE}\n[tool.flavor.build]\ndependencies = ["libs/ok"]\nrequirements_file = "nope.txt"\n`,
      );
      await assert.rejects(readProject(join(dir, 'pyproject.toml')), (e: unknown) => {
        return isFlavorError(e, 'PROJECT_INVALID') && e.message.includes('requirements_file');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseProject: [tool.flavor.build.platform.<os_arch>] (issue 19)', () => {
  test('env per target platform; none: an empty map', () => {
    const text = `${BASE}\n[tool.flavor.build.platform.linux_arm64]\nenv = { CFLAGS = "-mcpu=cortex-a72", UV_NO_INDEX = "1" }\n\n[tool.flavor.build.platform.windows_amd64]\nenv = {}\n`;
    const p = parseProject(text, PATH);
    assert.deepEqual(p.build.platformEnv, {
      linux_arm64: { CFLAGS: '-mcpu=cortex-a72', UV_NO_INDEX: '1' },
      windows_amd64: {},
    });
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(parseProject(BASE, PATH).build.platformEnv, {});
  });

  test('an unknown platform, a bad variable name or value is PROJECT_INVALID naming it', () => {
    expectInvalid(
      `${BASE}\n[tool.flavor.build.platform.linux_riscv]\nenv = { A = "1" }\n`,
      '[tool.flavor.build.platform.linux_riscv]',
      'linux_arm64',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.build.platform.linux_arm64]\nenv = { "BAD-NAME" = "x" }\n`,
      'tool.flavor.build.platform.linux_arm64.env.BAD-NAME',
    );
    expectInvalid(
      `${BASE}\n[tool.flavor.build.platform.linux_arm64]\nenv = { A = 1 }\n`,
      'tool.flavor.build.platform.linux_arm64.env',
    );
    expectInvalid(`${BASE}\n[tool.flavor.build]\nplatform = "linux_arm64"\n`, 'tool.flavor.build.platform');
  });

  test('an unknown key in a platform table is a warning, like every unknown key', () => {
    const p = parseProject(`${BASE}\n[tool.flavor.build.platform.linux_arm64]\nenvv = { A = "1" }\n`, PATH);
    assert.deepEqual(p.build.platformEnv, {});
    assert.match(p.warnings.join('\n'), /unknown key tool\.flavor\.build\.platform\.linux_arm64\.envv/);
  });
});
