// `flavor doctor`: reports launchers against the manifest, the pinned tools, the interpreters and the
// caches; exits 0 in a set-up checkout and 1 when something needed is missing.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { hostPlatformName } from '../../src/builder/launchers.js';
import { runFlavor } from '../helpers/cli.js';

const cache = mkdtempSync(path.join(os.tmpdir(), 'flavor-doctor-'));
after(() => rmSync(cache, { recursive: true, force: true }));
const env = { FLAVOR_CACHE: cache };

test('doctor --json in a set-up checkout: everything packing needs is there', async () => {
  const r = await runFlavor(['doctor', '--json'], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, true);
  assert.deepEqual(report.problems, []);
  assert.equal(report.flavor.install, 'checkout');
  assert.equal(report.launchers.manifest_found, true);
  const host = report.launchers.entries.find((e: { platform: string }) => e.platform === hostPlatformName());
  assert.equal(host.status, 'ok');
  assert.equal(host.sha256, host.expected_sha256);
  assert.deepEqual(
    report.tools.map((t: { name: string; status: string }) => [t.name, t.status]),
    [
      ['uv', 'ok'],
      ['patchelf', 'ok'],
    ],
  );
  assert.match(report.tools[0].version, /^uv \d+\.\d+\.\d+/);
  assert.ok(
    report.interpreters.some(
      (i: { usable: boolean; version: string }) => i.usable && /^3\.\d+/.test(i.version),
    ),
  );
  const tooOld = report.interpreters.find((i: { version: string }) => /^3\.[0-7]\./.test(i.version));
  if (tooOld)
    assert.equal(tooOld.usable, false, 'an interpreter below 3.8 is listed as unusable with a reason');
  const tools = report.caches.find((c: { name: string }) => c.name === 'tools');
  assert.equal(tools.path, path.join(cache, 'tools'));
  assert.equal(report.caches[0].name, 'cache root (FLAVOR_CACHE)');
});

test('doctor exits 1 and names the problem when a needed tool is missing', async () => {
  const r = await runFlavor(['doctor', '--json'], { env: { ...env, FLAVOR_UV: path.join(cache, 'no-uv') } });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, false);
  assert.match(report.problems.join('\n'), /uv: FLAVOR_UV points to .*no-uv/);
  const text = await runFlavor(['doctor'], { env: { ...env, FLAVOR_UV: path.join(cache, 'no-uv') } });
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^problems:\n {2}- uv: FLAVOR_UV points to/m);
});

test('doctor prints a readable report on stdout', async () => {
  const r = await runFlavor(['doctor'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^launchers: /m);
  assert.match(r.stdout, new RegExp(`^ {2}ok {7}${hostPlatformName()}`, 'm'));
  assert.match(r.stdout, /^python interpreters:$/m);
  assert.match(r.stdout, /^ok: this machine can pack$/m);
});
