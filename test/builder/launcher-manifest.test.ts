// The launcher manifest: a shipped launcher is embedded only when its SHA-256 is the one the manifest
// lists; `flavor helpers build` gives the same bytes from any checkout path (reproducible build).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  checkAgainstManifest,
  readLauncherManifest,
  writeLauncherManifest,
} from '../../src/builder/launcher-manifest.js';
import { buildLauncher, hostPlatformName, LAUNCHER_SOURCE } from '../../src/builder/launchers.js';
import { sha256Hex } from '../../src/crypto/digest.js';
import { FlavorError } from '../../src/errors.js';
import { which } from '../../src/python/tools.js';

let dir: string;
const launcher = () => path.join(dir, 'flavor-launcher-linux_amd64');

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-launcher-manifest-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeLauncher(bytes: Buffer, listed: Buffer = bytes): Promise<void> {
  await fs.writeFile(launcher(), bytes);
  await writeLauncherManifest(dir, {
    format: 1,
    version: '0.0.0',
    go: 'go1.0',
    launchers: {
      linux_amd64: { file: 'flavor-launcher-linux_amd64', size: listed.length, sha256: sha256Hex(listed) },
    },
  });
}

function isMismatch(pattern: RegExp) {
  return (e: unknown) =>
    e instanceof FlavorError && e.code === 'LAUNCHER_MISMATCH' && pattern.test(e.message);
}

test('a launcher that matches its manifest entry is accepted', async () => {
  await writeLauncher(Buffer.from('launcher bytes'));
  await checkAgainstManifest(launcher());
  const manifest = await readLauncherManifest(dir);
  assert.equal(manifest?.launchers['linux_amd64']?.size, 14);
});

test('a modified launcher is refused, naming both hashes', async () => {
  await writeLauncher(Buffer.from('launcher bytes, changed'), Buffer.from('launcher bytes'));
  await assert.rejects(
    checkAgainstManifest(launcher()),
    isMismatch(/was modified: its SHA-256 is [0-9a-f]{64}, the manifest lists/),
  );
});

test('a launcher missing from the manifest, or without a manifest, is refused', async () => {
  await writeLauncher(Buffer.from('x'));
  const other = path.join(dir, 'flavor-launcher-linux_arm64');
  await fs.writeFile(other, 'y');
  await assert.rejects(checkAgainstManifest(other), isMismatch(/is not listed/));
  await fs.rm(path.join(dir, 'manifest.json'));
  await assert.rejects(checkAgainstManifest(launcher()), isMismatch(/is not listed/));
});

test('an invalid manifest is refused, not trusted', async () => {
  await writeLauncher(Buffer.from('x'));
  for (const text of [
    '{',
    '{"format":2,"launchers":{}}',
    '{"format":1,"launchers":{"a":{"file":"f","size":1,"sha256":"zz"}}}',
  ]) {
    await fs.writeFile(path.join(dir, 'manifest.json'), text);
    await assert.rejects(checkAgainstManifest(launcher()), isMismatch(/manifest is not valid/), text);
  }
});

const noGo = !which('go') && process.env.CI !== 'true' ? 'needs Go' : false;

test('the launcher build is reproducible: same bytes from a copy of the sources elsewhere', {
  skip: noGo,
  timeout: 900_000,
}, async () => {
  const copy = path.join(dir, 'elsewhere', 'launcher');
  await fs.cp(LAUNCHER_SOURCE, copy, { recursive: true });
  const platform = hostPlatformName();
  const a = await buildLauncher({ platform, outDir: path.join(dir, 'a'), version: '9.9.9' });
  const b = await buildLauncher({ platform, outDir: path.join(dir, 'b'), version: '9.9.9', sourceDir: copy });
  assert.equal(a.sha256, b.sha256, 'the checkout path does not reach the binary');
  const bytes = await fs.readFile(a.path);
  assert.equal(bytes.indexOf(Buffer.from(dir)), -1, 'no build path in the binary');
  assert.equal(a.version, '9.9.9');
});
