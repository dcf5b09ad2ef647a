// The portable runtime's driver: pins, recipe hash, verified sources (without apt: a folder that already
// holds the pinned file is used as it is; a wrong file is never taken), the key de-armoring for gpgv.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isFlavorError } from '../../../src/errors.js';
import { pythonPin, recipeHash } from '../../../src/python/portable/build.js';
import {
  isGoModulePin,
  LIBRARY_SOURCES,
  PYTHON_SOURCES,
  type SourcePin,
} from '../../../src/python/portable/pins.js';
import { dearmor, ensureSources } from '../../../src/python/portable/sources.js';

const quiet = () => {};

test('pythonPin: 3.13 is a signed upstream tarball from Debian, 3.12 and 3.11 release tags from the Go module proxy; an unknown version is a USAGE error naming the choices', () => {
  const pin = pythonPin('3.13');
  assert.equal(pin.version, '3.13.5');
  assert.ok(!isGoModulePin(pin) && pin.upstreamSignature);
  for (const minor of ['3.12', '3.11']) {
    const p = pythonPin(minor);
    assert.ok(isGoModulePin(p), minor);
    assert.match(p.version, new RegExp(`^${minor.replace('.', '\\.')}\\.\\d+$`));
    assert.equal(p.goModule.path, 'github.com/python/cpython');
    assert.equal(p.goModule.version, `v${p.version}+incompatible`);
    assert.match(p.goModule.h1, /^h1:[A-Za-z0-9+/]{43}=$/);
  }
  assert.throws(
    () => pythonPin('3.9'),
    (e: unknown) =>
      isFlavorError(e) &&
      e.code === 'USAGE' &&
      ['3.11', '3.12', '3.13'].every((v) => (e.hint ?? '').includes(v)),
  );
});

test("every pin is a SHA-256; one build's sources name distinct archives; each version its own tarball", () => {
  for (const python of Object.values(PYTHON_SOURCES)) {
    const pins = [...LIBRARY_SOURCES, python];
    for (const pin of pins) assert.match(pin.sha256, /^[0-9a-f]{64}$/, pin.name);
    assert.equal(new Set(pins.map((p) => p.file)).size, pins.length);
    assert.equal(new Set(pins.map((p) => p.name)).size, pins.length);
  }
  const tarballs = Object.values(PYTHON_SOURCES).map((p) => p.file);
  assert.equal(new Set(tarballs).size, tarballs.length);
});

test('recipeHash: stable for one target, different between targets', async () => {
  const amd = await recipeHash('3.13', 'linux_amd64');
  assert.equal(await recipeHash('3.13', 'linux_amd64'), amd);
  assert.notEqual(await recipeHash('3.13', 'linux_arm64'), amd);
  assert.match(amd, /^[0-9a-f]{16}$/);
});

function fakePin(file: string, content: Buffer): SourcePin {
  return {
    name: 'fake',
    package: 'flavor-no-such-source-package',
    debianVersion: '1.0-1',
    suite: 'bookworm',
    file,
    sha256: createHash('sha256').update(content).digest('hex'),
    upstreamSignature: false,
  };
}

test('ensureSources: a file already matching its pin is used without any download', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-rt-src-'));
  const content = randomBytes(100);
  writeFileSync(join(dir, 'fake.orig.tar.gz'), content);
  // No PATH: apt-get could not even start, so success proves nothing was fetched.
  await ensureSources(dir, [fakePin('fake.orig.tar.gz', content)], { log: quiet, env: { PATH: '' } });
  assert.deepEqual(readFileSync(join(dir, 'fake.orig.tar.gz')), content);
});

test('ensureSources: a file that does not match its pin is not used; without apt the error says how to get it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-rt-src-'));
  writeFileSync(join(dir, 'fake.orig.tar.gz'), 'tampered');
  await assert.rejects(
    ensureSources(dir, [fakePin('fake.orig.tar.gz', randomBytes(10))], { log: quiet, env: { PATH: '' } }),
    (e: unknown) =>
      isFlavorError(e) && e.code === 'TOOL_DOWNLOAD' && /fake\.orig\.tar\.gz/.test(`${e.message} ${e.hint}`),
  );
});

test('dearmor: the base64 body of every key block, without headers or the CRC line', () => {
  const a = randomBytes(300);
  const b = randomBytes(50);
  const armor = (bytes: Buffer) =>
    `-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n${bytes
      .toString('base64')
      .replace(/(.{64})/g, '$1\n')}\n=AbCd\n-----END PGP PUBLIC KEY BLOCK-----\n`;
  assert.deepEqual(dearmor(`${armor(a)}\n${armor(b)}`), Buffer.concat([a, b]));
  assert.throws(
    () => dearmor('not a key'),
    (e: unknown) => isFlavorError(e) && e.code === 'TOOL_CHECKSUM',
  );
});
