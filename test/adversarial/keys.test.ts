// Key substitution: an attacker changes a slot, rewrites its hashes in the metadata and re-signs the whole
// package with their own key (the assembler recomputes every hash, exactly what a real attacker would do).
// Without a pinned key such a package is intact, so verify can only say "self-signed: integrity only"; with
// a pinned key (--key, FLAVOR_TRUSTED_KEYS, a key embedded with `flavor pack --trust-key`) it is refused.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { patchTrustBlock } from '../../src/builder/trust-block.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { isFlavorError } from '../../src/errors.js';
import { verifyPackage } from '../../src/reader/verify.js';
import {
  APP_SCRIPT,
  ATTACKER,
  appPackage,
  cacheEntries,
  exists,
  hex,
  KEY,
  launch,
  launcherBytes,
  launcherErrorCode,
  trustBlockOffset,
  writePackage,
} from '../helpers/adversarial.js';
import { runFlavor, tempDir, writeJson, writeTree } from '../helpers/cli.js';

let work: string;
let genuine: string;
let forged: string;
let n = 0;

const PUBLISHER_HEX = hex(KEY.publicKeyRaw);
const PUBLISHER_FP = fingerprint(KEY.publicKeyRaw);

async function expectRunRefused(
  file: string,
  env: Record<string, string> = {},
  cache = path.join(work, `c${n++}`),
) {
  const marker = path.join(work, `m${n++}`);
  const before = await cacheEntries(cache);
  const r = await launch(file, { cache, home: work, env: { ...env, MARKER: marker } });
  assert.equal(r.code, 107, r.stderr);
  assert.equal(launcherErrorCode(r.stderr), 'UNTRUSTED_KEY', r.stderr);
  assert.match(r.stderr, /untrusted key \(sha256:[0-9a-f]{64}\)/);
  assert.equal(r.stdout, '');
  assert.equal(await exists(marker), false, 'the app ran');
  assert.deepEqual(await cacheEntries(cache), before, 'a refused package touched the cache');
}

before(async () => {
  work = await tempDir('flavor-adv-keys-');
  genuine = await writePackage(path.join(work, 'genuine.psp'), appPackage({ data: 'genuine data\n' }));
  // The attacker's version: a changed slot, its hashes rewritten, re-signed with the attacker's key.
  forged = await writePackage(
    path.join(work, 'forged.psp'),
    appPackage({ data: 'evil data\n', key: ATTACKER }),
  );
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('a package re-signed by another key', { concurrency: 4 }, () => {
  test('is intact: verify reports "self-signed: integrity only" and, without a pinned key, it runs', async () => {
    const report = await verifyPackage(forged);
    assert.equal(report.trust, 'self-signed');
    assert.equal(report.fingerprint, fingerprint(ATTACKER.publicKeyRaw));
    const cli = await runFlavor(['verify', forged]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /self-signed: integrity only/);
    const r = await launch(forged, { cache: path.join(work, 'unpinned'), home: work });
    assert.equal(r.stdout, 'evil data\n', 'nothing pinned: integrity only, by design');
  });

  test('flavor verify --key (raw hex, fingerprint, PEM file) refuses it with exit 12', async () => {
    const pem = path.join(work, 'publisher.pub');
    await fs.writeFile(pem, KEY.publicKey.export({ format: 'pem', type: 'spki' }) as string);
    for (const key of [PUBLISHER_HEX, PUBLISHER_FP, pem]) {
      const r = await runFlavor(['verify', forged, '--key', key]);
      assert.equal(r.code, 12, `${key}: ${r.stderr}`);
      assert.match(r.stderr, /UNTRUSTED_KEY|not a trusted key/);
      const ok = await runFlavor(['verify', genuine, '--key', key]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /signed by trusted key/);
    }
    const err = await verifyPackage(forged, {
      trustedKeys: [{ raw: KEY.publicKeyRaw, fingerprint: PUBLISHER_FP }],
    }).catch((e: unknown) => e);
    assert.ok(isFlavorError(err, 'UNTRUSTED_KEY'));
  });

  test('flavor verify with FLAVOR_TRUSTED_KEYS refuses it with exit 12', async () => {
    const r = await runFlavor(['verify', forged], { env: { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP } });
    assert.equal(r.code, 12, r.stderr);
    const ok = await runFlavor(['verify', genuine], { env: { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP } });
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('the launcher with FLAVOR_TRUSTED_KEYS (raw key or fingerprint) refuses it, cold and warm', async () => {
    for (const pin of [PUBLISHER_HEX, PUBLISHER_FP, `${hex(new Uint8Array(32).fill(7))},${PUBLISHER_FP}`]) {
      await expectRunRefused(forged, { FLAVOR_TRUSTED_KEYS: pin });
      const ok = await launch(genuine, {
        cache: path.join(work, `ok${n++}`),
        home: work,
        env: { FLAVOR_TRUSTED_KEYS: pin },
      });
      assert.equal(ok.stdout, 'genuine data\n', ok.stderr);
    }
    // Warm: the cache already holds the forged package's workenv (installed while nothing was pinned).
    const warm = path.join(work, 'warm-forged');
    assert.equal((await launch(forged, { cache: warm, home: work })).code, 0);
    await expectRunRefused(forged, { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP }, warm);
  });

  test('FLAVOR_VALIDATION=relaxed runs it with a warning (documented escape hatch)', async () => {
    const r = await launch(forged, {
      cache: path.join(work, 'relaxed'),
      home: work,
      env: { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP, FLAVOR_VALIDATION: 'relaxed' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: .*untrusted key.*relaxed/);
    const strictTypo = await launch(forged, {
      cache: path.join(work, 'typo'),
      home: work,
      env: { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP, FLAVOR_VALIDATION: 'relaxd' },
    });
    assert.equal(
      strictTypo.code,
      105,
      'an unknown level fails closed (test/adversarial/validation-level.test.ts)',
    );
  });
});

describe('a key embedded in the launcher (flavor pack --trust-key)', { concurrency: 4 }, () => {
  let pinnedLauncher: Uint8Array;
  before(() => {
    pinnedLauncher = patchTrustBlock(launcherBytes(), [KEY.publicKeyRaw]);
  });

  test('flavor pack --trust-key builds a package that runs and is refused once re-signed by another key', async () => {
    const dir = path.join(work, 'pack');
    await writeTree(dir, { 'app/run.sh': APP_SCRIPT, 'data.txt': 'packed data\n' });
    await writeJson(path.join(dir, 'm.json'), {
      package: { name: 'pinned', version: '1.0.0' },
      execution: { command: '/bin/sh {workenv}/run.sh' },
      slots: [
        { id: 'app', source: 'app', target: '{workenv}', operations: 'tar.gz' },
        {
          id: 'data',
          source: 'data.txt',
          target: '{workenv}/data.txt',
          operations: 'gzip',
          permissions: '0644',
        },
      ],
    });
    const seedFile = 'adversarial-suite-publisher';
    const r = await runFlavor(
      [
        'pack',
        '-m',
        'm.json',
        '-o',
        'pinned.psp',
        '--key-seed',
        seedFile,
        '--trust-key',
        PUBLISHER_HEX,
        '--quiet',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const packed = new Uint8Array(await fs.readFile(path.join(dir, 'pinned.psp')));
    const at = trustBlockOffset(packed);
    assert.equal(packed[at + 17], 1, 'one key embedded');
    assert.equal(hex(packed.subarray(at + 18, at + 50)), PUBLISHER_HEX);
    const ok = await launch(path.join(dir, 'pinned.psp'), { cache: path.join(work, 'pk'), home: work });
    assert.equal(ok.stdout, 'packed data\n', ok.stderr);
    // Re-signed by the attacker, keeping the pinned launcher bytes from the packed file.
    const launcher = packed.subarray(
      0,
      Number(Buffer.from(packed.buffer).readBigUInt64LE(packed.length - 8196 + 16)),
    );
    const forgedPinned = await writePackage(
      path.join(work, 'forged-pinned-cli.psp'),
      appPackage({ data: 'evil data\n', key: ATTACKER, launcher }),
    );
    await expectRunRefused(forgedPinned);
  });

  test('the pinned launcher refuses the forged package without any environment, and FLAVOR_TRUSTED_KEYS cannot widen it', async () => {
    const ok = await writePackage(path.join(work, 'pinned-ok.psp'), appPackage({ launcher: pinnedLauncher }));
    const bad = await writePackage(
      path.join(work, 'pinned-bad.psp'),
      appPackage({ data: 'evil data\n', key: ATTACKER, launcher: pinnedLauncher }),
    );
    const r = await launch(ok, { cache: path.join(work, 'po'), home: work });
    assert.equal(r.stdout, 'genuine data\n', r.stderr);
    await expectRunRefused(bad);
    // Environment keys are added to the embedded ones: the attacker's key in FLAVOR_TRUSTED_KEYS is
    // trusted then. That is the user's own decision (their environment), not the attacker's.
    const widened = await launch(bad, {
      cache: path.join(work, 'pw'),
      home: work,
      env: { FLAVOR_TRUSTED_KEYS: hex(ATTACKER.publicKeyRaw) },
    });
    assert.equal(widened.code, 0, widened.stderr);
    // flavor verify --key sees the same: refused.
    const v = await runFlavor(['verify', bad, '--key', PUBLISHER_FP]);
    assert.equal(v.code, 12, v.stderr);
  });

  test('known limit: an attacker who also clears the trust block is stopped only by verify --key (docs/security.md)', async () => {
    // The launcher is part of the file the attacker controls: zeroing its key count and re-signing
    // yields a self-consistent package that runs. Only a check outside the file catches it.
    const cleared = pinnedLauncher.slice();
    cleared[trustBlockOffset(cleared) + 17] = 0;
    const bad = await writePackage(
      path.join(work, 'cleared.psp'),
      appPackage({ data: 'evil data\n', key: ATTACKER, launcher: cleared }),
    );
    const r = await launch(bad, { cache: path.join(work, 'cl'), home: work });
    assert.equal(r.stdout, 'evil data\n', 'if this is refused now, update docs/security.md');
    const v = await runFlavor(['verify', bad, '--key', PUBLISHER_FP]);
    assert.equal(v.code, 12, v.stderr);
    // …and FLAVOR_TRUSTED_KEYS set by the user still stops it (the environment is not in the file).
    await expectRunRefused(bad, { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP });
  });
});
