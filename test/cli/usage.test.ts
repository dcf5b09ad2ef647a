// The CLI surface: --help of every command, --version, unknown commands and options (exit 2 + hint),
// the --json error document, and stack traces only with --debug.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { parseJson, REPO_ROOT, runFlavor } from '../helpers/cli.js';

const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

describe('--help of every command', { concurrency: 4 }, () => {
  test('the command list is not empty', () => {
    assert.ok(COMMANDS.length >= 8);
  });
  for (const c of COMMANDS) {
    test(`flavor ${c.name} --help`, async () => {
      const r = await runFlavor([...c.name.split(' '), '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.startsWith(`usage: flavor ${c.name}`), r.stdout);
      assert.ok(r.stdout.includes(c.summary));
      assert.match(r.stdout, /--help/);
      for (const option of Object.keys(c.options))
        assert.ok(r.stdout.includes(`--${option}`), `--${option} not in help`);
    });
  }
  test('-h works like --help', async () => {
    const r = await runFlavor(['verify', '-h']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: flavor verify PKG/);
  });
});

describe('top level', { concurrency: 4 }, () => {
  test('flavor --version and -V print the package.json version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runFlavor([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `flavor ${VERSION}\n`);
    }
  });

  test('flavor --help lists every command and exits 0', async () => {
    const r = await runFlavor(['--help']);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.ok(r.stdout.includes(`  ${c.name}`), `${c.name} missing`);
  });

  test('flavor without arguments prints usage and exits 2', async () => {
    const r = await runFlavor([]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^usage: flavor <command>/);
  });

  test('unknown command → exit 2 with a hint', async () => {
    const r = await runFlavor(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^flavor: error: unknown command "frobnicate"\nhint: see 'flavor --help'\n$/);
  });

  test('a command group without subcommand → exit 2 listing the subcommands', async () => {
    const r = await runFlavor(['helpers']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flavor: error: usage: flavor helpers <build\|clean\|info\|list\|test>/);
    assert.match(r.stderr, /hint: /);
  });

  test('a command group with --help or -h lists its subcommands and exits 0', async () => {
    const groups = [
      ...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!)),
    ];
    assert.deepEqual(groups.sort(), ['helpers', 'runtime', 'workenv']);
    for (const group of groups) {
      for (const flag of ['--help', '-h']) {
        const r = await runFlavor([group, flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.match(r.stdout, new RegExp(`^usage: flavor ${group} <subcommand>`));
        for (const c of COMMANDS.filter((d) => d.name.startsWith(`${group} `)))
          assert.ok(r.stdout.includes(`  ${c.name.split(' ')[1]} `) && r.stdout.includes(c.summary), c.name);
      }
    }
  });

  test('unknown option → exit 2 with a hint naming the command help', async () => {
    const r = await runFlavor(['verify', 'x.psp', '--frob']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flavor: error: unknown option '--frob'/);
    assert.match(r.stderr, /hint: see 'flavor verify --help'/);
  });

  test('missing option value → exit 2', async () => {
    const r = await runFlavor(['pack', '--manifest']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flavor: error: .*--manifest/);
  });

  test('wrong number of positionals → exit 2 with the usage line', async () => {
    const r = await runFlavor(['extract', 'only-one']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flavor: error: usage: flavor extract PKG SLOT OUTPUT/);
  });

  test('--json error document shape', async () => {
    const r = await runFlavor(['verify', '/nonexistent/pkg.psp', '--json']);
    assert.equal(r.code, 3);
    const doc = parseJson(r.stdout);
    assert.deepEqual(Object.keys(doc), ['ok', 'error']);
    assert.equal(doc.ok, false);
    const err = doc.error as Record<string, unknown>;
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'path']);
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.path, '/nonexistent/pkg.psp');
    assert.match(String(err.message), /^[a-z]/, 'messages are lower-case');
    assert.match(r.stderr, /^flavor: error: no such file or directory \(\/nonexistent\/pkg\.psp\)$/m);
  });

  test('--json error of a usage error', async () => {
    const r = await runFlavor(['verify', '--json', '--bogus']);
    assert.equal(r.code, 2);
    const err = parseJson(r.stdout).error as Record<string, unknown>;
    assert.equal(err.code, 'USAGE');
    assert.equal(typeof err.hint, 'string');
  });

  test('no stack trace without --debug; a stack and the code with --debug', async () => {
    const plain = await runFlavor(['inspect', '/nonexistent.psp']);
    assert.equal(plain.code, 3);
    assert.doesNotMatch(plain.stderr, /\n\s+at /);
    assert.doesNotMatch(plain.stderr, /code: /);
    const debug = await runFlavor(['inspect', '/nonexistent.psp', '--debug']);
    assert.equal(debug.code, 3);
    assert.match(debug.stderr, /^code: NOT_FOUND$/m);
    assert.match(debug.stderr, /\n\s+at /);
  });

  test('NO_COLOR output has no escape sequences', async () => {
    const r = await runFlavor(['frobnicate']);
    assert.equal(r.stderr.includes('\x1b['), false);
  });
});
