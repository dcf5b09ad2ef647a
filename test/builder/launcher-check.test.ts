// launcher-check.ts: only a PSPF launcher for the target platform may go in front of a package.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkLauncher, executableKind } from '../../src/builder/launcher-check.js';
import { hostPlatformName } from '../../src/builder/launchers.js';
import { isFlavorError } from '../../src/errors.js';
import { END_MAGIC } from '../../src/format/index.js';
import { hostLauncher } from '../helpers/cli.js';

const real = (): Buffer => readFileSync(hostLauncher());
const HOST = hostPlatformName();

function refusal(bytes: Uint8Array, pattern: RegExp, platform = HOST): void {
  assert.throws(
    () => checkLauncher(bytes, platform, '/x/launcher'),
    (e: unknown) =>
      isFlavorError(e) && e.code === 'LAUNCHER_INVALID' && e.exitCode === 15 && pattern.test(e.message),
  );
}

test('the launcher built by the set-up is accepted as ours', () => {
  const id = checkLauncher(real(), HOST, hostLauncher());
  assert.equal(id.family, 'flavorpack');
  assert.equal(`${id.os}_${id.arch}`, HOST);
});

test('/bin/ls and a shell script are refused: not a launcher', () => {
  refusal(readFileSync('/bin/ls'), /neither the FlavorPack launcher stamp nor the PSPF format name/);
  refusal(Buffer.from('#!/bin/sh\nexit 0\n'), /not an executable/);
  refusal(Buffer.alloc(0), /not an executable/);
});

test('a launcher for another CPU is refused, naming both platforms', () => {
  const bytes = real();
  assert.equal(bytes.readUInt32BE(0), 0x7f454c46, 'the host launcher is ELF');
  bytes.writeUInt16LE(bytes.readUInt16LE(18) === 0x3e ? 0xb7 : 0x3e, 18);
  refusal(bytes, /built for linux_(arm64|amd64), but the package targets linux_/);
  refusal(real(), /but the package targets windows_amd64/, 'windows_amd64');
});

test('a package is not a launcher', () => {
  refusal(Buffer.concat([real(), Buffer.from(END_MAGIC)]), /is a package/);
});

test('another PSPF launcher (an ELF for the platform that names the format) is accepted as "pspf"', () => {
  const foreign = Buffer.concat([readFileSync('/bin/ls'), Buffer.from('invalid PSPF/2025 package')]);
  assert.equal(checkLauncher(foreign, HOST, '/x/upstream-launcher').family, 'pspf');
});

test('executableKind reads ELF, Mach-O 64 and PE headers', () => {
  const elf = Buffer.alloc(64);
  elf.writeUInt32BE(0x7f454c46, 0);
  elf[5] = 1;
  elf.writeUInt16LE(0xb7, 18);
  assert.deepEqual(executableKind(elf), { os: 'linux', arch: 'arm64' });
  const macho = Buffer.alloc(32);
  macho.writeUInt32LE(0xfeedfacf, 0);
  macho.writeUInt32LE(0x01000007, 4);
  assert.deepEqual(executableKind(macho), { os: 'darwin', arch: 'amd64' });
  const pe = Buffer.alloc(0x100);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.writeUInt32BE(0x50450000, 0x80);
  pe.writeUInt16LE(0xaa64, 0x84);
  assert.deepEqual(executableKind(pe), { os: 'windows', arch: 'arm64' });
  pe.writeUInt32LE(0xfffffff0, 0x3c);
  assert.equal(executableKind(pe), undefined, 'a PE offset past the end is not read');
});
