// The library functions in-process: pack() from a BuildSpec object (relative sources resolved against
// `cwd`, default output cwd/dist/<name>.psp, events reported), and the CLI's --json documents are exactly
// what verify() and inspect() return (the CLI is a thin layer over them).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildSpec, FlavorError, inspect, type PackEvent, pack, verify } from '../../src/index.js';
import { parseJson, runFlavor, tempDir, writeLauncher, writeTree } from '../helpers/cli.js';

let work: string;
let launcherBin: string;

const SPEC: BuildSpec = {
  package: { name: 'from-spec', version: '0.3.0' },
  execution: { command: '{workenv}/bin/run', env: {}, primarySlot: 0 },
  slots: [
    {
      id: 'app',
      source: 'app',
      target: '{workenv}',
      operations: 'tar.gz',
      purpose: 'code',
      lifecycle: 'runtime',
    },
  ],
};

before(async () => {
  work = await tempDir('flavor-api-');
  launcherBin = await writeLauncher(work);
  await writeTree(path.join(work, 'app'), { 'bin/run': '#!/bin/sh\necho run\n' });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test('pack(BuildSpec) resolves sources against cwd, writes cwd/dist/<name>.psp and reports its events', async () => {
  const events: PackEvent[] = [];
  const result = await pack(SPEC, { cwd: work, launcherBin, onEvent: (e) => events.push(e), env: {} });
  assert.equal(result.output, path.join(work, 'dist', 'from-spec.psp'));
  assert.deepEqual([result.name, result.version, result.slots.length], ['from-spec', '0.3.0', 1]);
  assert.ok(result.slots[0]!.original_size > 0);
  const warning = events.find((e) => e.kind === 'warning');
  assert.match(String(warning && 'message' in warning && warning.message), /no signing key given/);
  assert.ok(events.some((e) => e.kind === 'build' && e.progress.phase === 'done'));
  assert.equal(SPEC.slots[0]!.source, 'app', 'the caller’s spec is not modified');
});

test('verify() and inspect() return exactly what `flavor verify/inspect --json` print', async () => {
  const { output } = await pack(SPEC, { cwd: work, launcherBin, key: { seed: 'api' }, output: 'same.psp' });
  for (const [args, fn] of [
    [['verify', output, '--json'], () => verify(output)],
    [['inspect', output, '--json'], () => inspect(output)],
  ] as const) {
    const r = await runFlavor(args);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseJson(r.stdout), JSON.parse(JSON.stringify(await fn())));
  }
});

test('bad input is a FlavorError before anything is written', async () => {
  const out = path.join(work, 'bad', 'x.psp');
  await assert.rejects(
    pack(SPEC, { cwd: work, launcherBin: path.join(work, 'missing'), key: { seed: 'a' }, output: out }),
    (e) => e instanceof FlavorError && e.code === 'LAUNCHER_NOT_FOUND',
  );
  await assert.rejects(
    verify(path.join(work, 'nope.psp')),
    (e) => e instanceof FlavorError && e.exitCode === 3,
  );
  await assert.rejects(fs.stat(path.join(work, 'bad')));
});
