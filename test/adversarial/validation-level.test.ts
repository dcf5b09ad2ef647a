// FLAVOR_VALIDATION through the real launcher: exactly `strict` (or unset/empty), `relaxed` and `none`
// are levels. Anything else — other case, surrounding spaces, typos — fails closed: the launcher refuses
// to start (USAGE, exit 105) with a hint listing the valid values, runs nothing and leaves the cache alone,
// even for a correctly signed, trusted package. (Before: `NONE`, ` none` and `RELAXED` were accepted as
// levels, and an unknown value silently meant strict.)

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fingerprint } from '../../src/crypto/keys.js';
import {
  ATTACKER,
  appPackage,
  cacheEntries,
  exists,
  KEY,
  launch,
  launcherErrorCode,
  writePackage,
} from '../helpers/adversarial.js';
import { tempDir } from '../helpers/cli.js';

const PUBLISHER_FP = fingerprint(KEY.publicKeyRaw);
let work: string;
let genuine: string;
let forged: string;
let n = 0;

before(async () => {
  work = await tempDir('flavor-adv-level-');
  genuine = await writePackage(path.join(work, 'genuine.psp'), appPackage({ data: 'genuine data\n' }));
  forged = await writePackage(path.join(work, 'forged.psp'), appPackage({ data: 'evil\n', key: ATTACKER }));
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function run(file: string, level: string | undefined) {
  const cache = path.join(work, `cache-${n++}`);
  const marker = path.join(work, `ran-${n++}`);
  const r = await launch(file, {
    cache,
    home: work,
    env: { FLAVOR_TRUSTED_KEYS: PUBLISHER_FP, FLAVOR_VALIDATION: level, MARKER: marker },
  });
  return { ...r, ran: await exists(marker), cache: await cacheEntries(cache) };
}

describe('FLAVOR_VALIDATION accepts exactly strict, relaxed, none (or unset)', { concurrency: 4 }, () => {
  for (const level of [undefined, '', 'strict', 'relaxed', 'none']) {
    test(`${JSON.stringify(level)} runs the genuine package`, async () => {
      const r = await run(genuine, level);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'genuine data\n');
    });
  }

  test('strict (and unset) refuse the re-signed package; relaxed and none run it with a warning', async () => {
    for (const level of [undefined, '', 'strict']) {
      const r = await run(forged, level);
      assert.equal(r.code, 107, `${level}: ${r.stderr}`);
      assert.equal(launcherErrorCode(r.stderr), 'UNTRUSTED_KEY');
    }
    for (const level of ['relaxed', 'none']) {
      const r = await run(forged, level);
      assert.equal(r.code, 0, `${level}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`warning: .*FLAVOR_VALIDATION=${level}`));
    }
  });
});

describe('any other value fails closed', { concurrency: 4 }, () => {
  for (const level of ['NONE', ' none', 'none ', 'RELAXED', 'Relaxed', 'STRICT', 'relaxd', 'off', '0']) {
    test(`${JSON.stringify(level)}: refused with USAGE (exit 105), nothing runs, even when genuine`, async () => {
      for (const file of [genuine, forged]) {
        const r = await run(file, level);
        assert.equal(r.code, 105, r.stderr);
        assert.equal(launcherErrorCode(r.stderr), 'USAGE', r.stderr);
        assert.ok(r.stderr.includes(`FLAVOR_VALIDATION=${JSON.stringify(level)}`), r.stderr);
        assert.match(r.stderr, /hint: use strict \(the default\), relaxed or none/);
        assert.equal(r.stdout, '');
        assert.equal(r.ran, false, 'the app ran');
        assert.deepEqual(r.cache, [], 'a refused launch touched the cache');
      }
    });
  }
});
