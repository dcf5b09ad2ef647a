// Correctly signed packages whose signed content is invalid (a malicious or broken publisher): the exact
// refusal is part of the contract, not just "some error". `flavor` and the launcher must give the same code:
//   * corrupt compressed or tar data in a slot (hash signed as is) → PAYLOAD_CORRUPT: `flavor extract`
//     exit 14, the launcher exit 103; never IO_ERROR or INTERNAL (a plain Error from the payload's
//     corrupt-data helper used to pass the fuzz suite, which accepts any coded refusal);
//   * a slot `permissions` that is not an octal mode string or null → METADATA_SCHEMA: `flavor verify`
//     exit 10, the launcher exit 102 (dropping the TS permissions schema check used to pass every test).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { PackageMetadata } from '../../src/format/index.js';
import {
  appPackage,
  buildTar,
  exists,
  launch,
  launcherErrorCode,
  tree,
  writePackage,
} from '../helpers/adversarial.js';
import { parseJson, runFlavor, tempDir } from '../helpers/cli.js';

let work: string;
let n = 0;

before(async () => {
  work = await tempDir('flavor-adv-signed-invalid-');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const APP_TAR = buildTar([{ name: 'run.sh', data: 'echo hi\n', mode: 0o755 }]);

/** Flips one byte in the middle of the deflate data of a gzip member (its CRC no longer matches). */
function flipDeflate(gz: Buffer): Buffer {
  const out = Buffer.from(gz);
  out[Math.floor(out.length / 2)]! ^= 0x55;
  return out;
}

/** A tar whose first header checksum is wrong. */
function badChecksumTar(): Buffer {
  const tar = Buffer.from(APP_TAR);
  tar.write('0000000\0', 148, 'latin1');
  return tar;
}

const payloadCases: Array<{ name: string; slot0: () => { bytes: Uint8Array; originalSize: number } }> = [
  {
    name: 'a gzip stream with a flipped byte',
    slot0: () => ({ bytes: flipDeflate(gzipSync(APP_TAR, { level: 1 })), originalSize: APP_TAR.length }),
  },
  {
    name: 'a truncated gzip stream',
    slot0: () => {
      const gz = gzipSync(APP_TAR);
      return { bytes: gz.subarray(0, gz.length - 12), originalSize: APP_TAR.length };
    },
  },
  {
    name: 'a tar header with a wrong checksum',
    slot0: () => ({ bytes: gzipSync(badChecksumTar()), originalSize: APP_TAR.length }),
  },
  {
    // Go's archive/tar reads EOF at a header boundary as the end; the launcher now refuses it like TypeScript.
    name: 'a tar that stops after a complete entry (no end-of-archive marker)',
    slot0: () => {
      const tar = buildTar([{ name: 'run.sh', data: 'echo hi\n', mode: 0o755 }], { end: false });
      return { bytes: gzipSync(tar), originalSize: tar.length };
    },
  },
];

async function packageFile(bytes: Uint8Array): Promise<string> {
  return writePackage(path.join(work, `p${n++}.psp`), bytes);
}

describe('corrupt slot data under a valid signature → PAYLOAD_CORRUPT everywhere', { concurrency: 4 }, () => {
  for (const c of payloadCases) {
    test(c.name, async () => {
      const file = await packageFile(appPackage({ slot0: { ...c.slot0(), operations: 'tar.gz' } }));
      const out = path.join(work, `out${n++}`);
      const x = await runFlavor(['extract', '--json', file, '0', out]);
      assert.equal(x.code, 14, x.stderr);
      assert.equal((parseJson(x.stdout).error as { code: string }).code, 'PAYLOAD_CORRUPT', x.stderr);
      assert.match(x.stderr, /^flavor: error: .*(corrupt|truncated)/m);
      assert.match(x.stderr, /^hint: /m);
      assert.equal(await exists(out), false, `extract left ${(await tree(out)).join(', ')}`);

      const cache = path.join(work, `cache${n++}`);
      const r = await launch(file, { cache, home: work });
      assert.equal(r.code, 103, r.stderr);
      assert.equal(launcherErrorCode(r.stderr), 'PAYLOAD_CORRUPT', r.stderr);
      assert.equal(r.stdout, '');
    });
  }
});

describe('invalid slot permissions under a valid signature → METADATA_SCHEMA in both', {
  concurrency: 4,
}, () => {
  for (const permissions of ['rwxr-xr-x', '0999', '17777', '', '0o', 493, true, ['0644']]) {
    test(`permissions ${JSON.stringify(permissions)}`, async () => {
      const file = await packageFile(
        appPackage({
          editMetadata: (m: PackageMetadata) => {
            (m.slots[1] as unknown as Record<string, unknown>).permissions = permissions;
          },
        }),
      );
      const v = await runFlavor(['verify', '--json', file]);
      assert.equal(v.code, 10, `flavor verify accepted it: ${v.stdout}${v.stderr}`);
      assert.equal((parseJson(v.stdout).error as { code: string }).code, 'METADATA_SCHEMA');
      assert.match(v.stderr, /slots\[1\]\.permissions/);

      const r = await launch(file, { cache: path.join(work, `cache${n++}`), home: work });
      assert.equal(r.code, 102, r.stderr);
      assert.equal(launcherErrorCode(r.stderr), 'METADATA_SCHEMA', r.stderr);
    });
  }

  test('valid modes (equal to the descriptor’s 0644) and null are accepted by both', async () => {
    for (const permissions of ['0644', '644', '00644', null]) {
      const file = await packageFile(
        appPackage({
          editMetadata: (m: PackageMetadata) => {
            m.slots[1]!.permissions = permissions;
          },
        }),
      );
      const v = await runFlavor(['verify', file]);
      assert.equal(v.code, 0, `${permissions}: ${v.stderr}`);
      const r = await launch(file, { cache: path.join(work, `cache${n++}`), home: work });
      assert.equal(r.code, 0, `${permissions}: ${r.stderr}`);
    }
  });
});
