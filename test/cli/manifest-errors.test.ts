// Malformed build manifests through `flavor pack`: a clear `flavor: error:` naming the field, the exit code
// of the error's category, and no package (and no temp file) left in the output folder.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ERROR_CODES, type ErrorCode, EXIT_CODES } from '../../src/errors.js';
import { listDir, parseJson, runFlavor, tempDir, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;
let launcher: string;
let n = 0;

before(async () => {
  work = await tempDir('flavor-manifest-');
  launcher = await writeLauncher(work);
  await writeTree(work, { 'file.txt': 'data\n', 'app/bin/run': '#!/bin/sh\n', 'esc/ok.txt': 'ok' });
  await fs.symlink('../../../etc/passwd', path.join(work, 'esc', 'evil'));
  await writeTree(work, { 'esc2/inner/x.txt': 'x' });
  await fs.symlink('/etc', path.join(work, 'esc2', 'abs'));
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const base = () => ({
  package: { name: 'bad', version: '1.0' },
  execution: { command: '{workenv}/bin/run' },
  slots: [{ id: 'f', source: 'file.txt', target: '{workenv}/f.txt', operations: 'gzip' }] as Array<
    Record<string, unknown>
  >,
});
type Doc = ReturnType<typeof base> & Record<string, unknown>;

interface Case {
  name: string;
  /** JSON text, or an edit of the valid base document. */
  manifest: string | ((d: Doc) => void);
  code: ErrorCode;
  message: RegExp;
  ext?: 'json' | 'toml';
}

const cases: Case[] = [
  { name: 'invalid JSON', manifest: '{"package": ', code: 'MANIFEST_INVALID', message: /not valid JSON/ },
  {
    name: 'invalid TOML',
    manifest: '[package\nname = ',
    code: 'MANIFEST_INVALID',
    message: /not valid TOML/,
    ext: 'toml',
  },
  {
    name: 'root not an object',
    manifest: '[1, 2]',
    code: 'MANIFEST_INVALID',
    message: /\(root\): must be a table\/object/,
  },
  {
    name: 'missing package',
    manifest: (d) => delete (d as Partial<Doc>).package,
    code: 'MANIFEST_INVALID',
    message: /package: must be a table/,
  },
  {
    name: 'missing package.name',
    manifest: (d) => delete (d.package as Partial<Doc['package']>).name,
    code: 'MANIFEST_INVALID',
    message: /package\.name: must be a non-empty string/,
  },
  {
    name: 'empty package.version',
    manifest: (d) => (d.package.version = ''),
    code: 'MANIFEST_INVALID',
    message: /package\.version: must be a non-empty string/,
  },
  {
    name: 'missing execution',
    manifest: (d) => delete (d as Partial<Doc>).execution,
    code: 'MANIFEST_INVALID',
    message: /execution: must be a table/,
  },
  {
    name: 'missing execution.command',
    manifest: (d) => (d.execution = {} as Doc['execution']),
    code: 'MANIFEST_INVALID',
    message: /execution\.command: must be a non-empty string/,
  },
  {
    name: 'execution.env not strings',
    manifest: (d) => Object.assign(d.execution, { env: { A: 1 } }),
    code: 'MANIFEST_INVALID',
    message: /execution\.env\.A: must be a string/,
  },
  {
    name: 'primary_slot out of range',
    manifest: (d) => Object.assign(d.execution, { primary_slot: 3 }),
    code: 'MANIFEST_INVALID',
    message: /execution\.primary_slot: is 3, but there are 1 slots/,
  },
  {
    name: 'slots not an array',
    manifest: (d) => ((d as Record<string, unknown>).slots = {}),
    code: 'MANIFEST_INVALID',
    message: /slots: must be an array/,
  },
  {
    name: 'slot without id',
    manifest: (d) => delete d.slots[0]!.id,
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.id: must be a non-empty string/,
  },
  {
    name: 'slot without source',
    manifest: (d) => delete d.slots[0]!.source,
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.source: must be a non-empty string/,
  },
  {
    name: 'slot without target',
    manifest: (d) => delete d.slots[0]!.target,
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.target: must be a non-empty string/,
  },
  {
    name: 'unknown operation',
    manifest: (d) => (d.slots[0]!.operations = 'lz4'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.operations: unknown operation "lz4"/,
  },
  {
    name: 'semicolon chain (only "|" and upstream Rust\'s "," separate operations)',
    manifest: (d) => (d.slots[0]!.operations = 'tar;gzip'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.operations: unknown operation/,
  },
  {
    name: 'missing source file',
    manifest: (d) => (d.slots[0]!.source = 'nope.txt'),
    code: 'SOURCE_INVALID',
    message: /slots\[0\]\.source: cannot read .*nope\.txt/,
  },
  {
    name: 'directory source without tar',
    manifest: (d) => (d.slots[0]!.source = 'app'),
    code: 'SOURCE_INVALID',
    message: /slots\[0\]\.source is a directory, so its operations must start with tar/,
  },
  {
    name: 'file source with tar that is not that archive (a prepared slot must decode)',
    manifest: (d) => (d.slots[0]!.operations = 'tar.gz'),
    code: 'SOURCE_INVALID',
    message: /stored as-is \(a prepared slot\), but it is not valid under its operations: /,
  },
  {
    name: 'symlink escaping the source folder',
    manifest: (d) => Object.assign(d.slots[0]!, { source: 'esc', operations: 'tar' }),
    code: 'SOURCE_INVALID',
    message: /symlink evil .*points outside/,
  },
  {
    name: 'absolute symlink in the source folder',
    manifest: (d) => Object.assign(d.slots[0]!, { source: 'esc2', operations: 'tar.gz' }),
    code: 'SOURCE_INVALID',
    message: /symlink abs /,
  },
  {
    name: 'duplicate slot id',
    manifest: (d) => d.slots.push({ id: 'f', source: 'file.txt', target: '{workenv}/g.txt' }),
    code: 'MANIFEST_INVALID',
    message: /slots\[1\]\.id: "f" is used by two slots/,
  },
  {
    name: 'bad permissions (not octal)',
    manifest: (d) => (d.slots[0]!.permissions = '0999'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.permissions: "0999" is not an octal mode/,
  },
  {
    name: 'bad permissions (number)',
    manifest: (d) => (d.slots[0]!.permissions = 755),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.permissions: must be an octal string/,
  },
  {
    name: 'old-schema key name',
    manifest: (d) => (d.slots[0]!.name = 'f'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.name: is a key of an older schema/,
  },
  {
    name: 'old-schema key extract_to',
    manifest: (d) => (d.slots[0]!.extract_to = '/x'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.extract_to: is a key of an older schema/,
  },
  {
    name: 'target escaping the workenv',
    manifest: (d) => (d.slots[0]!.target = '{workenv}/../x'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.target: .* must stay inside the workenv/,
  },
  {
    name: 'absolute target',
    manifest: (d) => (d.slots[0]!.target = '/usr/bin/x'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.target: /,
  },
  {
    name: 'unknown lifecycle',
    manifest: (d) => (d.slots[0]!.lifecycle = 'forever'),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.lifecycle: unknown lifecycle "forever"/,
  },
  {
    name: 'slot index not its position',
    manifest: (d) => (d.slots[0]!.slot = 4),
    code: 'MANIFEST_INVALID',
    message: /slots\[0\]\.slot: is 4/,
  },
  {
    name: 'unsupported format',
    manifest: (d) => (d.format = 'PSPF/2024'),
    code: 'MANIFEST_INVALID',
    message: /format: "PSPF\/2024" is not supported/,
  },
  {
    name: 'unknown runtime.env key',
    manifest: (d) => (d.runtime = { env: { drop: [] } }),
    code: 'MANIFEST_INVALID',
    message: /runtime\.env\.drop: unknown key/,
  },
  {
    name: 'bad setup command',
    manifest: (d) => (d.setup_commands = [{ type: 'rm -rf' }]),
    code: 'MANIFEST_INVALID',
    message: /setup_commands\[0\]: must be an object with type/,
  },
];

describe('malformed manifests are refused without writing anything', { concurrency: 4 }, () => {
  for (const c of cases) {
    test(c.name, async () => {
      const id = n++;
      const dir = path.join(work, `case-${id}`);
      const file = path.join(work, `m-${id}.${c.ext ?? 'json'}`);
      await fs.mkdir(dir);
      let text: string;
      if (typeof c.manifest === 'string') text = c.manifest;
      else {
        const d = base() as Doc;
        c.manifest(d);
        text = JSON.stringify(d);
      }
      await fs.writeFile(file, text);
      const r = await runFlavor(
        [
          'pack',
          '-m',
          file,
          '-o',
          path.join(dir, 'out.psp'),
          '--launcher-bin',
          launcher,
          '--key-seed',
          'k',
          '--json',
        ],
        { cwd: work },
      );
      const err = parseJson(r.stdout).error as { code: string; message: string };
      assert.equal(err.code, c.code, `${err.code}: ${err.message}`);
      assert.equal(r.code, EXIT_CODES[ERROR_CODES[c.code]], r.stderr);
      assert.match(r.stderr, /^flavor: error: /m);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace without --debug');
      assert.deepEqual(
        await listDir(dir),
        [],
        'the output folder must stay empty (no package, no temp files)',
      );
    });
  }
});

test('a TOML manifest with the same content builds', async () => {
  const file = path.join(work, 'ok.toml');
  await fs.writeFile(
    file,
    [
      '[package]',
      'name = "tomlpkg"',
      'version = "1.0"',
      '[execution]',
      'command = "{workenv}/f.txt"',
      '[[slots]]',
      'id = "f"',
      'source = "file.txt"',
      'target = "{workenv}/f.txt"',
      'operations = "gzip"',
      '',
    ].join('\n'),
  );
  const out = path.join(work, 'toml-out', 'p.psp');
  const r = await runFlavor(['pack', '-m', file, '-o', out, '--launcher-bin', launcher, '--key-seed', 'k'], {
    cwd: '/',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await listDir(path.dirname(out)), ['p.psp']);
});

test('a missing manifest is NOT_FOUND (exit 3)', async () => {
  const r = await runFlavor([
    'pack',
    '-m',
    path.join(work, 'absent.json'),
    '--launcher-bin',
    launcher,
    '--key-seed',
    'k',
  ]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /flavor: error: cannot read the build manifest/);
});

test('a missing launcher is LAUNCHER_NOT_FOUND (exit 15) and writes nothing', async () => {
  const dir = path.join(work, 'nolauncher');
  await fs.mkdir(dir);
  const file = path.join(work, 'nl.json');
  await fs.writeFile(file, JSON.stringify(base()));
  const r = await runFlavor([
    'pack',
    '-m',
    file,
    '-o',
    path.join(dir, 'x.psp'),
    '--launcher-bin',
    path.join(work, 'no-launcher'),
    '--key-seed',
    'k',
  ]);
  assert.equal(r.code, 15);
  assert.match(r.stderr, /launcher binary not found/);
  assert.deepEqual(await listDir(dir), []);
});
