// [[tool.flavor.slots]] (src/python/slots.ts): every key read, every mistake a clear error naming the key,
// the file checks, and all of it before any interpreter, runtime or dependency work.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type ErrorCode, isFlavorError } from '../../src/errors.js';
import { type PythonBuildEvent, parseProject, planPythonBuild, readProject } from '../../src/python/index.js';

const PATH = '/proj/pyproject.toml';
const BASE = `[project]
name = "demo"
version = "1.0.0"

[project.scripts]
demo = "demo:main"
`;

const slot = (body: string) => `${BASE}\n[[tool.flavor.slots]]\n${body}\n`;
const twoSlots = (a: string, b: string) => `${slot(a)}\n[[tool.flavor.slots]]\n${b}\n`;

function expectError(text: string, code: ErrorCode, ...fragments: string[]): void {
  assert.throws(
    () => parseProject(text, PATH),
    (error: unknown) => {
      assert.ok(isFlavorError(error, code), `expected ${code}, got ${String(error)}`);
      for (const fragment of fragments)
        assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
      assert.ok(error.hint, 'every slot error has a hint');
      return true;
    },
  );
}

const invalid = (text: string, ...fragments: string[]) => expectError(text, 'PROJECT_INVALID', ...fragments);

describe('[[tool.flavor.slots]]: parsing', () => {
  test('reads every key; the slot is no longer an unknown key', () => {
    const p = parseProject(
      slot(`id = "models"
source = "data/models"
purpose = "data"
lifecycle = "lazy"
target = "{workenv}/models/"
compression = "tar.xz"
compression_level = 9
platform = "linux_amd64"`),
      PATH,
    );
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(p.slots, [
      {
        id: 'models',
        source: '/proj/data/models',
        label: 'data/models',
        target: '{workenv}/models',
        purpose: 'data',
        lifecycle: 'lazy',
        operations: 'tar.xz',
        compressionLevel: 9,
        permissions: undefined,
        platform: 'linux_amd64',
        encryption: undefined,
        key: 'tool.flavor.slots[0]',
      },
    ]);
  });

  test('defaults: target {workenv}/<id>, lifecycle runtime, purpose data, compression from the pack', () => {
    const [s] = parseProject(slot('id = "cfg"\nsource = "config"'), PATH).slots;
    assert.equal(s?.target, '{workenv}/cfg');
    assert.equal(s?.lifecycle, 'runtime');
    assert.equal(s?.purpose, 'data');
    assert.equal(s?.operations, undefined);
  });

  test('extract_to is an alias of target; both at once is an error', () => {
    const [s] = parseProject(slot('id = "a"\nsource = "a"\nextract_to = "{workenv}/x/y"'), PATH).slots;
    assert.equal(s?.target, '{workenv}/x/y');
    invalid(
      slot('id = "a"\nsource = "a"\nextract_to = "{workenv}/x"\ntarget = "{workenv}/x"'),
      'both target and extract_to',
    );
  });

  test('every lifecycle name of the build manifest is accepted; others are not', () => {
    for (const lifecycle of [
      'runtime',
      'init',
      'volatile',
      'temp',
      'cache',
      'persistent',
      'lazy',
      'eager',
      'config',
    ]) {
      const [s] = parseProject(slot(`id = "a"\nsource = "a"\nlifecycle = "${lifecycle}"`), PATH).slots;
      assert.equal(s?.lifecycle, lifecycle);
    }
    invalid(
      slot('id = "a"\nsource = "a"\nlifecycle = "forever"'),
      'tool.flavor.slots[0].lifecycle',
      '"forever"',
      'persistent',
    );
    invalid(slot('id = "a"\nsource = "a"\nlifecycle = "Lazy"'), 'lifecycle');
  });

  test('platform: an OS or an OS_arch we ship a launcher for', () => {
    for (const platform of ['linux', 'darwin', 'windows', 'linux_arm64', 'darwin_amd64', 'windows_arm64']) {
      assert.equal(
        parseProject(slot(`id = "a"\nsource = "a"\nplatform = "${platform}"`), PATH).slots[0]?.platform,
        platform,
      );
    }
    for (const bad of ['macos', 'Linux', 'linux_riscv64', 'linux-amd64', 'any', '']) {
      invalid(
        slot(`id = "a"\nsource = "a"\nplatform = "${bad}"`),
        'tool.flavor.slots[0].platform',
        'linux_amd64',
      );
    }
  });

  test('compression: an operation chain name; compression_level within its compressor', () => {
    for (const chain of ['tar.zst', 'tar.gz', 'tgz', 'gzip', 'zstd', 'raw', 'tar']) {
      assert.equal(
        parseProject(slot(`id = "a"\nsource = "a"\ncompression = "${chain}"`), PATH).slots[0]?.operations,
        chain,
      );
    }
    invalid(slot('id = "a"\nsource = "a"\ncompression = "zip"'), 'tool.flavor.slots[0].compression', '"zip"');
    invalid(
      slot('id = "a"\nsource = "a"\ncompression = "tar.gz"\ncompression_level = 12'),
      'compression_level',
      'from 0 to 9',
    );
    invalid(slot('id = "a"\nsource = "a"\ncompression = "tar.zst"\ncompression_level = 23'), 'from 1 to 22');
    invalid(slot('id = "a"\nsource = "a"\ncompression = "tar.zst"\ncompression_level = 2.5'), 'an integer');
    invalid(slot('id = "a"\nsource = "a"\ncompression = "tar"\ncompression_level = 3'), 'names a compressor');
    invalid(slot('id = "a"\nsource = "a"\ncompression_level = 3'), 'names a compressor');
  });

  test('permissions: an octal string', () => {
    assert.equal(
      parseProject(slot('id = "a"\nsource = "a"\npermissions = "0755"'), PATH).slots[0]?.permissions,
      '0755',
    );
    invalid(slot('id = "a"\nsource = "a"\npermissions = "0999"'), 'permissions', 'octal');
    invalid(slot('id = "a"\nsource = "a"\npermissions = 755'), 'permissions', 'octal');
  });

  test('id: required, a plain name', () => {
    invalid(slot('source = "a"'), 'tool.flavor.slots[0].id', 'missing');
    invalid(slot('id = "../x"\nsource = "a"'), 'tool.flavor.slots[0].id');
    invalid(slot('id = ""\nsource = "a"'), 'tool.flavor.slots[0].id');
  });

  test('source: relative to the project and inside it', () => {
    invalid(slot('id = "a"'), 'tool.flavor.slots[0].source', 'missing');
    invalid(slot('id = "a"\nsource = "/etc"'), 'tool.flavor.slots[0].source', '"/etc"', 'inside the project');
    invalid(slot('id = "a"\nsource = "../elsewhere"'), 'tool.flavor.slots[0].source', 'inside the project');
    invalid(slot('id = "a"\nsource = "data/../../x"'), 'inside the project');
  });

  test('target: only below {workenv}; never absolute, "..", or the workenv itself', () => {
    for (const bad of [
      '/opt/data',
      'data',
      '{workenv}',
      '{workenv}/',
      '{workenv}/../x',
      '{workenv}/a/../../x',
      '{workenv}/./a',
      '{home}/x',
      'C:\\x',
      '{workenv}/a\\..\\..\\x',
      '{workenv}//',
    ]) {
      invalid(
        slot(`id = "a"\nsource = "a"\ntarget = ${JSON.stringify(bad)}`),
        'tool.flavor.slots[0].target',
        'below the workenv',
      );
    }
    invalid(slot('id = "a"\nsource = "a"\nextract_to = "/tmp/x"'), 'tool.flavor.slots[0].extract_to');
  });

  test('duplicate ids, also against the built-in slots', () => {
    invalid(
      twoSlots('id = "a"\nsource = "a"', 'id = "a"\nsource = "b"'),
      'tool.flavor.slots[1].id = "a" is already used by tool.flavor.slots[0]',
    );
    for (const id of ['runtime', 'site-packages', 'app']) {
      invalid(
        slot(`id = "${id}"\nsource = "a"\ntarget = "{workenv}/x"`),
        `is already used by the built-in ${id} slot`,
      );
    }
  });

  test('two slots writing the same path, or one inside the other', () => {
    invalid(
      twoSlots(
        'id = "a"\nsource = "a"\ntarget = "{workenv}/d"',
        'id = "b"\nsource = "b"\ntarget = "{workenv}/d/"',
      ),
      'tool.flavor.slots[1] target "{workenv}/d" overlaps tool.flavor.slots[0]',
    );
    invalid(
      twoSlots(
        'id = "a"\nsource = "a"\ntarget = "{workenv}/d"',
        'id = "b"\nsource = "b"\ntarget = "{workenv}/d/sub"',
      ),
      'overlaps',
    );
    invalid(
      twoSlots(
        'id = "a"\nsource = "a"\ntarget = "{workenv}/d/sub"',
        'id = "b"\nsource = "b"\ntarget = "{workenv}/d"',
      ),
      'overlaps',
    );
    invalid(
      twoSlots(
        'id = "a"\nsource = "a"\ntarget = "{workenv}/Data"',
        'id = "b"\nsource = "b"\ntarget = "{workenv}/data"',
      ),
      'overlaps',
    );
    invalid(
      twoSlots('id = "d"\nsource = "a"', 'id = "b"\nsource = "b"\ntarget = "{workenv}/d/x"'),
      'overlaps',
    );
    const ok = parseProject(
      twoSlots(
        'id = "a"\nsource = "a"\ntarget = "{workenv}/d"',
        'id = "b"\nsource = "b"\ntarget = "{workenv}/dd"',
      ),
      PATH,
    );
    assert.equal(ok.slots.length, 2);
  });

  test('slots for platforms that exclude each other may share a target; others may not', () => {
    const pair = (a: string, b: string) =>
      twoSlots(
        `id = "a"\nsource = "a"\ntarget = "{workenv}/tools"\nplatform = "${a}"`,
        `id = "b"\nsource = "b"\ntarget = "{workenv}/tools"\nplatform = "${b}"`,
      );
    for (const [a, b] of [
      ['linux', 'darwin'],
      ['linux_amd64', 'linux_arm64'],
      ['windows', 'darwin_arm64'],
    ]) {
      assert.equal(parseProject(pair(a!, b!), PATH).slots.length, 2, `${a} + ${b}`);
    }
    for (const [a, b] of [
      ['linux', 'linux'],
      ['linux', 'linux_arm64'],
      ['darwin_arm64', 'darwin_arm64'],
    ]) {
      invalid(pair(a!, b!), 'overlaps tool.flavor.slots[0]');
    }
    invalid(
      twoSlots(
        'id = "a"\nsource = "a"\ntarget = "{workenv}/t"',
        'id = "b"\nsource = "b"\ntarget = "{workenv}/t"\nplatform = "linux"',
      ),
      'overlaps',
    );
  });

  test("a target inside the built-in slots' folders (bin/, lib/, app/)", () => {
    invalid(
      slot('id = "a"\nsource = "a"\ntarget = "{workenv}/app"'),
      "overlaps the built-in app slot's {workenv}/app",
    );
    invalid(slot('id = "a"\nsource = "a"\ntarget = "{workenv}/app/data"'), 'built-in app slot');
    invalid(
      slot('id = "a"\nsource = "a"\ntarget = "{workenv}/lib/python3.12/site-packages/x"'),
      'built-in runtime (and site-packages) slot',
    );
    invalid(slot('id = "a"\nsource = "a"\ntarget = "{workenv}/bin/tool"'), 'built-in runtime slot');
    invalid(slot('id = "bin"\nsource = "a"'), 'built-in runtime slot');
  });

  test('unknown keys are warnings (errors with --strict)', () => {
    assert.equal(parseProject(slot('id = "a"\nsource = "a"\ntoString = 1'), PATH).warnings.length, 1);
    const p = parseProject(slot('id = "a"\nsource = "a"\nmode = "fast"'), PATH);
    assert.deepEqual(p.warnings, [
      'pyproject.toml: unknown key tool.flavor.slots[0].mode (ignored; known keys: id, source, purpose, lifecycle, extract_to, target, permissions, compression, compression_level, platform, encryption, key_source)',
    ]);
  });

  test('encryption and key_source: an encrypted slot, its key source kept as written (docs/supply-chain.md)', () => {
    const p = parseProject(
      slot(
        'id = "a"\nsource = "a"\ncompression = "tar.zst"\nencryption = "aes256-gcm"\nkey_source = "file:keys/a.key"',
      ),
      PATH,
    );
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(p.slots[0]!.encryption, {
      algorithm: 'aes256-gcm',
      keySource: 'file:keys/a.key',
      keyBaseDir: '/proj',
    });
    assert.equal(p.slots[0]!.operations, 'tar.zst');
    assert.equal(parseProject(slot('id = "a"\nsource = "a"'), PATH).slots[0]!.encryption, undefined);
  });

  test('encryption errors name the key', () => {
    invalid(
      slot('id = "a"\nsource = "a"\nencryption = "aes-256-gcm"\nkey_source = "env:K"'),
      'tool.flavor.slots[0].encryption',
      'not supported',
    );
    invalid(
      slot('id = "a"\nsource = "a"\nencryption = "aes256-gcm"'),
      'tool.flavor.slots[0].key_source',
      'required',
    );
    invalid(
      slot('id = "a"\nsource = "a"\nkey_source = "env:KEY"'),
      'tool.flavor.slots[0].key_source',
      'no encryption',
    );
    invalid(
      slot('id = "a"\nsource = "a"\nencryption = "aes256-gcm"\nkey_source = "vault:x"'),
      'not a key source',
    );
    invalid(
      slot(
        'id = "a"\nsource = "a"\ncompression = "tar|gzip|aes256-gcm"\nencryption = "aes256-gcm"\nkey_source = "env:K"',
      ),
      'tool.flavor.slots[0].compression',
      'names the encryption operation',
    );
  });

  test('the table must be an array of tables', () => {
    invalid(`${BASE}\n[tool.flavor.slots]\nid = "a"\n`, 'tool.flavor.slots', 'an array of tables');
    invalid(`${BASE}\n[tool.flavor]\nslots = ["a"]\n`, 'tool.flavor.slots[0]', 'a table');
  });
});

describe('[[tool.flavor.slots]]: the files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-slots-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  function project(slots: string, files: Record<string, string | null> = {}): string {
    const root = join(dir, `p${n++}`);
    mkdirSync(root, { recursive: true });
    for (const [name, body] of Object.entries(files)) {
      mkdirSync(join(root, name, body === null ? '' : '..'), { recursive: true });
      if (body !== null) writeFileSync(join(root, name), body);
    }
    writeFileSync(join(root, 'pyproject.toml'), `${BASE}\n${slots}`);
    return join(root, 'pyproject.toml');
  }
  async function sourceInvalid(manifest: string, ...fragments: string[]): Promise<void> {
    await assert.rejects(readProject(manifest), (error: unknown) => {
      assert.ok(isFlavorError(error, 'SOURCE_INVALID'), `expected SOURCE_INVALID, got ${String(error)}`);
      for (const f of fragments) assert.ok(error.message.includes(f), `"${error.message}" lacks "${f}"`);
      assert.ok(error.hint);
      return true;
    });
  }

  test('existing file and folder sources are accepted', async () => {
    const manifest = project(
      '[[tool.flavor.slots]]\nid = "data"\nsource = "data"\n[[tool.flavor.slots]]\nid = "tool"\nsource = "tool.sh"\npermissions = "0755"\ncompression = "gzip"',
      { data: null, 'data/a.txt': 'a', 'tool.sh': '#!/bin/sh\n' },
    );
    const p = await readProject(manifest);
    assert.deepEqual(
      p.slots.map((s) => [s.id, s.label]),
      [
        ['data', 'data'],
        ['tool', 'tool.sh'],
      ],
    );
  });

  test('a missing source', async () => {
    await sourceInvalid(
      project('[[tool.flavor.slots]]\nid = "data"\nsource = "data"'),
      'tool.flavor.slots[0].source = "data": no such file or folder',
    );
  });

  test('a source that leads outside the project through a link', async () => {
    const manifest = project('[[tool.flavor.slots]]\nid = "data"\nsource = "data"');
    symlinkSync(tmpdir(), join(manifest, '..', 'data'));
    await sourceInvalid(manifest, 'leads outside the project');
  });

  test('a folder with a chain that is not tar, or with permissions', async () => {
    await sourceInvalid(
      project('[[tool.flavor.slots]]\nid = "data"\nsource = "data"\ncompression = "gzip"', { data: null }),
      'is a folder',
      'tar chain',
    );
    await sourceInvalid(
      project('[[tool.flavor.slots]]\nid = "data"\nsource = "data"\npermissions = "0755"', { data: null }),
      'permissions apply to a single-file slot',
    );
  });

  test('slot errors come before any tool, interpreter, runtime or dependency work', async () => {
    const manifest = project('[[tool.flavor.slots]]\nid = "data"\nsource = "missing"');
    const events: PythonBuildEvent[] = [];
    await assert.rejects(
      planPythonBuild({
        manifestPath: manifest,
        workDir: join(dir, 'work'),
        buildCacheDir: join(dir, 'build-cache'),
        toolsCacheDir: join(dir, 'tools'),
        log: (e) => events.push(e),
      }),
      (error: unknown) => isFlavorError(error, 'SOURCE_INVALID'),
    );
    assert.deepEqual(
      events.map((e) => `${e.kind}: ${e.message}`),
      ['step-start: reading pyproject.toml'],
    );
  });

  test('--strict makes an unknown slot key an error before any work', async () => {
    const manifest = project('[[tool.flavor.slots]]\nid = "data"\nsource = "data"\nmode = "x"', {
      data: null,
    });
    await assert.rejects(
      planPythonBuild({
        manifestPath: manifest,
        strict: true,
        workDir: join(dir, 'work'),
        buildCacheDir: join(dir, 'build-cache'),
        toolsCacheDir: join(dir, 'tools'),
        log: () => {},
      }),
      (error: unknown) =>
        isFlavorError(error, 'PROJECT_INVALID') && error.message.includes('tool.flavor.slots[0].mode'),
    );
  });
});
