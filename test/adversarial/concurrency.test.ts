// Concurrency: 64 simultaneous first launches (repeated) install exactly once and all succeed; a running
// app keeps its workenv while `flavor workenv clean --yes` runs; two versions of one app launched together
// each get their own workenv.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { appPackage, cacheEntries, exists, launch, writePackage } from '../helpers/adversarial.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

const N = 64;
const ROUNDS = 3;
let work: string;

before(async () => {
  work = await tempDir('flavor-adv-conc-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

test(`${N} simultaneous first launches × ${ROUNDS}: all succeed, exactly one extraction`, async () => {
  const files = Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [`lib/m${i}.txt`, `module ${i}\n`.repeat(200)]),
  );
  const pkg = await writePackage(path.join(work, 'c.psp'), appPackage({ files }));
  for (let round = 0; round < ROUNDS; round++) {
    const cache = path.join(work, `cache-${round}`);
    const results = await Promise.all(
      Array.from({ length: N }, () =>
        launch(pkg, { cache, home: work, env: { FLAVOR_LOG_LEVEL: 'debug' }, timeoutMs: 60_000 }),
      ),
    );
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'genuine data\n');
    }
    const extractions = results.filter((r) => /: debug: extracting /.test(r.stderr)).length;
    assert.equal(extractions, 1, `round ${round}: ${extractions} extractions`);
    const names = await cacheEntries(cache);
    assert.equal(names.length, 3, `round ${round}: ${names.join(', ')}`);
    assert.ok(names.some((e) => e.endsWith('.ready')) && names.some((e) => e.endsWith('.lock')));
  }
});

test('flavor workenv clean --yes while the app runs: its workenv is skipped and it keeps working', async () => {
  const gate = path.join(work, 'gate');
  const script = [
    '#!/bin/sh',
    'echo started > "$MARKER"',
    `while [ ! -e "${gate}" ]; do sleep 0.02; done`,
    'cat "$FLAVOR_WORKENV/data.txt"',
    '',
  ].join('\n');
  const pkg = await writePackage(path.join(work, 'slow.psp'), appPackage({ script }));
  const cache = path.join(work, 'clean-cache');
  const marker = path.join(work, 'slow.started');
  const running = launch(pkg, { cache, home: work, env: { MARKER: marker } });
  while (!(await exists(marker))) await new Promise((r) => setTimeout(r, 20));
  const clean = await runFlavor(['workenv', 'clean', '--yes', '--json'], { env: { FLAVOR_CACHE: cache } });
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /in use|in_use|skipped/i, clean.stdout);
  const id = (await cacheEntries(cache)).find((e) => e.endsWith('.ready'));
  assert.ok(id, 'the running app’s marker was removed');
  await fs.writeFile(gate, '');
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'genuine data\n');
  // Once the app has exited, the same clean removes it.
  const again = await runFlavor(['workenv', 'clean', '--yes'], { env: { FLAVOR_CACHE: cache } });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    (await cacheEntries(cache)).filter((e) => !e.endsWith('.lock')),
    [],
  );
});

test('two versions of one app launched together: each runs its own bytes from its own workenv', async () => {
  const v1 = await writePackage(path.join(work, 'v1.psp'), appPackage({ version: '1.0.0', data: 'one\n' }));
  const v2 = await writePackage(path.join(work, 'v2.psp'), appPackage({ version: '2.0.0', data: 'two\n' }));
  const cache = path.join(work, 'versions');
  const runs = await Promise.all(
    Array.from({ length: 32 }, (_, i) =>
      i % 2 ? launch(v2, { cache, home: work }) : launch(v1, { cache, home: work }),
    ),
  );
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, i % 2 ? 'two\n' : 'one\n');
  });
  const ready = (await cacheEntries(cache)).filter((e) => e.endsWith('.ready'));
  assert.equal(ready.length, 2);
  assert.ok(ready[0]!.startsWith('adv-1.0.0-') && ready[1]!.startsWith('adv-2.0.0-'));
});
