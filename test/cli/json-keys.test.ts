// One JSON convention for every `--json` document: snake_case keys, as in the package metadata
// (docs/cli.md, "JSON output"). Runs every command that has --json on a real package (real launcher, run
// once so the cache has a workenv), plus an error document, and checks every key at every depth. Keys of
// user-defined maps (environment variables, command names) are data, not schema, and are skipped.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { hostPlatformName, resolveLauncher } from '../../src/builder/launchers.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { parseJson, runFlavor, tempDir, writeJson, writeTree } from '../helpers/cli.js';

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** Maps whose keys the user chose (JSON paths with * for any key or index). */
const USER_MAPS = [
  'execution.env',
  'execution.environment',
  'execution.commands',
  'runtime.env.set',
  'runtime.env.map',
];

let work: string;
let env: Record<string, string>;
const documents: Record<string, unknown> = {};

/** Every key path that is not snake_case, e.g. "slots.0.originalSize". */
function badKeys(value: unknown, at: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => badKeys(v, [...at, '*']));
  if (value === null || typeof value !== 'object') return [];
  const here = at.filter((p) => p !== '*').join('.');
  return Object.entries(value).flatMap(([k, v]) => {
    if (USER_MAPS.some((m) => here.endsWith(m))) return [];
    return [...(SNAKE.test(k) ? [] : [[...at, k].join('.')]), ...badKeys(v, [...at, k])];
  });
}

async function json(name: string, args: string[], expectCode = 0): Promise<void> {
  const r = await runFlavor([...args, '--json'], { cwd: work, env });
  assert.equal(r.code, expectCode, `${args.join(' ')}: ${r.stderr}`);
  documents[name] = parseJson(r.stdout);
}

before(async () => {
  work = await tempDir('flavor-json-');
  env = { FLAVOR_CACHE: path.join(work, 'cache'), GREETING_VAR: 'x' };
  await writeTree(path.join(work, 'app'), { 'bin/hello': '#!/bin/sh\necho hi\n' });
  await fs.chmod(path.join(work, 'app', 'bin', 'hello'), 0o755);
  await writeJson(path.join(work, 'flavor.json'), {
    package: { name: 'json-keys', version: '1.0.0' },
    execution: { command: '{workenv}/bin/hello', env: { MyApp_Setting: 'on' } },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' }],
  });
  const launcher = await resolveLauncher(undefined, undefined, process.env);
  const pkg = path.join(work, 'app.psp');
  await json('pack', ['pack', '-m', 'flavor.json', '-o', pkg, '--key-seed', 'k', '--launcher-bin', launcher]);
  const run = spawnSync(pkg, [], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  await json('verify', ['verify', pkg]);
  await json('inspect', ['inspect', pkg]);
  await json('extract', ['extract', pkg, 'app', 'one']);
  await json('extract-all', ['extract-all', pkg, 'all']);
  await json('keygen', ['keygen', '--out-dir', 'keys']);
  await json('helpers list', ['helpers', 'list']);
  await json('helpers info', ['helpers', 'info', hostPlatformName()]);
  await json('helpers build', ['helpers', 'build']);
  await json('helpers test', ['helpers', 'test']);
  await json('workenv list', ['workenv', 'list']);
  await json('workenv info', ['workenv', 'info']);
  await json('workenv inspect', ['workenv', 'inspect', 'json-keys']);
  await json('workenv clean', ['workenv', 'clean', '--dry-run']);
  await json('clean', ['clean', '--dry-run']);
  await json('workenv remove', ['workenv', 'remove', 'json-keys', '--yes']);
  // doctor exits 1 when something packing needs is missing; its document is the same either way.
  const doctor = await runFlavor(['doctor', '--json'], { cwd: work, env });
  assert.ok(doctor.code === 0 || doctor.code === 1, doctor.stderr);
  documents.doctor = parseJson(doctor.stdout);
  const broken = path.join(work, 'broken.psp');
  await fs.writeFile(broken, Buffer.alloc(10_000, 1));
  await json('error', ['verify', broken], 10);
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('every command with --json is covered here', () => {
  const withJson = COMMANDS.filter((c) => 'json' in c.options).map((c) => c.name);
  assert.deepEqual(
    withJson.filter((n) => !(n in documents)),
    [],
  );
});

test('every key of every --json document is snake_case', () => {
  const bad = Object.entries(documents).flatMap(([name, doc]) => badKeys(doc).map((k) => `${name}: ${k}`));
  assert.deepEqual(bad, []);
});

test('the checker sees keys at depth, and skips only user-defined maps', () => {
  assert.deepEqual(badKeys({ slots: [{ originalSize: 1, ok: true }] }), ['slots.*.originalSize']);
  assert.deepEqual(badKeys({ execution: { env: { MyApp_Setting: 'on' } } }), []);
  const inspected = documents.inspect as { execution: { env: Record<string, string> } };
  assert.equal(inspected.execution.env.MyApp_Setting, 'on', 'the user map is in the document');
});
