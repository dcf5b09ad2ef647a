// python/elf-glibc.ts: the GLIBC_ version needs of real ELF files from this machine (checked against
// binutils' readelf), of hand-built 32-bit and big-endian files, and damaged files (typed error, never a
// crash, hang or out-of-range read).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FlavorError } from '../../src/errors.js';
import { readElfGlibc, scanGlibcRequirement } from '../../src/python/elf-glibc.js';
import { prng } from '../helpers/prng.js';

const HOST_ELFS = ['/bin/ls', '/usr/bin/python3', '/usr/bin/gpgv'];

/** The GLIBC_ versions readelf -V lists under the file's version needs (".gnu.version_r"). */
function readelfGlibcNeeds(path: string): string[] {
  const out = execFileSync('readelf', ['-V', '-W', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const section = out.split(/Version needs section/)[1] ?? '';
  const names = [...section.matchAll(/Name: GLIBC_([0-9.]+)\s/g)].map((m) => m[1]!);
  return [...new Set(names)];
}

for (const path of HOST_ELFS) {
  test(`${path}: the same GLIBC needs as readelf -V`, () => {
    const info = readElfGlibc(readFileSync(path), path);
    assert.ok(info, 'an ELF file');
    assert.equal(info.bits, 64);
    assert.deepEqual([...info.glibc].sort(), readelfGlibcNeeds(path).sort());
    assert.ok(info.highest && info.glibc.includes(info.highest));
    assert.ok(info.glibc.length >= 3, `${path} needs several glibc versions`);
  });
}

test('versions are ordered by number: the highest of 2.9 and 2.10 is 2.10', () => {
  const info = readElfGlibc(
    buildElf({ needs: ['GLIBC_2.9', 'GLIBC_2.10', 'GLIBC_2.2.5', 'GLIBC_PRIVATE'] }),
    'x',
  );
  assert.deepEqual(info?.glibc, ['2.2.5', '2.9', '2.10']);
  assert.equal(info?.highest, '2.10');
});

test('32-bit and big-endian files are read', () => {
  for (const bits of [32, 64] as const) {
    for (const le of [true, false]) {
      const info = readElfGlibc(buildElf({ bits, le, needs: ['GLIBC_2.17', 'GCC_3.0'] }), 'x');
      assert.deepEqual(info, { machine: 62, bits, glibc: ['2.17'], highest: '2.17' }, `${bits} ${le}`);
    }
  }
});

test('a file without version needs (static) needs no glibc; not ELF is undefined', () => {
  assert.deepEqual(readElfGlibc(buildElf({ needs: [] }), 'x')?.glibc, []);
  assert.equal(readElfGlibc(buildElf({ needs: [] }), 'x')?.highest, undefined);
  assert.equal(readElfGlibc(Buffer.from('#!/bin/sh\n'), 'x'), undefined);
  assert.equal(readElfGlibc(Buffer.alloc(0), 'x'), undefined);
});

/** Asserts that reading `bytes` throws SOURCE_INVALID saying the file is damaged. */
function assertDamaged(bytes: Uint8Array, what: string): void {
  assert.throws(
    () => readElfGlibc(bytes, 'bad.so'),
    (e: unknown) =>
      e instanceof FlavorError && e.code === 'SOURCE_INVALID' && /bad\.so: damaged ELF/.test(e.message),
    what,
  );
}

test('damaged files: a typed error naming the file', () => {
  const good = buildElf({ needs: ['GLIBC_2.17'] });
  const layout = elfLayout(good);
  const edit = (fn: (v: DataView) => void) => {
    const copy = Buffer.from(good);
    fn(new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
    return copy;
  };
  assertDamaged(good.subarray(0, 10), 'cut inside the header');
  assertDamaged(readFileSync('/bin/ls').subarray(0, 4096), 'a real file cut before its section headers');
  assertDamaged(
    edit((v) => v.setUint8(4, 3)),
    'unknown class',
  );
  assertDamaged(
    edit((v) => v.setBigUint64(0x28, 1n << 60n, true)),
    'e_shoff past the end',
  );
  assertDamaged(
    edit((v) => v.setUint16(0x3a, 8, true)),
    'e_shentsize too small',
  );
  assertDamaged(
    edit((v) => v.setUint16(0x3c, 60000, true)),
    'e_shnum past the end',
  );
  assertDamaged(
    edit((v) => {
      v.setUint32(layout.verneedHeader + 44, 100000, true);
      v.setUint32(layout.verneed + 12, 16, true);
      v.setUint32(layout.vernaux + 12, 16, true);
    }),
    'sh_info and vn_next: more needs than fit',
  );
  assertDamaged(
    edit((v) => v.setBigUint64(layout.verneedHeader + 32, 1n << 40n, true)),
    'sh_size past the end',
  );
  assertDamaged(
    edit((v) => v.setUint32(layout.verneedHeader + 40, 9, true)),
    'sh_link to no section',
  );
  assertDamaged(
    edit((v) => v.setUint32(layout.verneedHeader + 40, 0, true)),
    'sh_link to a non-string table',
  );
  assertDamaged(
    edit((v) => v.setUint16(layout.verneed + 2, 65535, true)),
    'vn_cnt with vna_next looping',
  );
  assertDamaged(
    edit((v) => v.setUint32(layout.verneed + 8, 1 << 30, true)),
    'vn_aux past the section',
  );
  assertDamaged(
    edit((v) => v.setUint32(layout.vernaux + 8, 1 << 20, true)),
    'vna_name past the strings',
  );
  assertDamaged(
    edit((v) => {
      for (let i = layout.dynstr; i < layout.dynstr + layout.dynstrSize; i++) v.setUint8(i, 0x41);
    }),
    'a name without its NUL',
  );
});

test('random corruption of real files: a result or SOURCE_INVALID, nothing else', () => {
  const random = prng(13);
  for (const path of ['/bin/ls', '/usr/bin/gpgv']) {
    const original = readFileSync(path);
    const header = readElfGlibc(original, path)!;
    assert.ok(header);
    for (let round = 0; round < 150; round++) {
      const copy = Buffer.from(original);
      // corrupt the ELF header and section table (start and end of the file), where the offsets live
      for (let k = 0; k < 8; k++) {
        const inHeader = random() < 0.5;
        const at = inHeader ? Math.floor(random() * 64) : copy.length - 1 - Math.floor(random() * 4096);
        copy[at] = Math.floor(random() * 256);
      }
      try {
        readElfGlibc(copy, path);
      } catch (error) {
        assert.ok(error instanceof FlavorError && error.code === 'SOURCE_INVALID', String(error));
      }
    }
  }
});

test('scanGlibcRequirement: the highest need under the folders, damaged files listed, links not followed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flavor-elf-'));
  try {
    copyFileSync('/bin/ls', join(dir, 'ls'));
    writeFileSync(join(dir, 'new.so'), buildElf({ needs: ['GLIBC_2.2.5', 'GLIBC_2.99'] }));
    writeFileSync(join(dir, 'broken.so'), buildElf({ needs: ['GLIBC_3.5'] }).subarray(0, 100));
    writeFileSync(join(dir, 'script.py'), 'print(1)\n');
    symlinkSync('/usr/bin/python3', join(dir, 'python3'));
    const result = await scanGlibcRequirement([dir]);
    assert.equal(result.glibc, '2.99');
    assert.equal(result.from, 'new.so');
    assert.equal(result.elfFiles, 2);
    assert.equal(result.unreadable.length, 1);
    assert.match(result.unreadable[0]!, /^broken\.so: damaged ELF file/);
    const onlyLs = await scanGlibcRequirement([dir].map(() => join(dir, 'none')));
    assert.deepEqual(onlyLs, { glibc: undefined, from: undefined, elfFiles: 0, unreadable: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A minimal ELF file: header, one .dynstr, one .gnu.version_r with one Elf_Verneed ("libc.so.6") and
// one Elf_Vernaux per name, and the section header table (null, dynstr, verneed) at the end.
function buildElf(options: { bits?: 32 | 64; le?: boolean; needs: string[] }): Buffer {
  const bits = options.bits ?? 64;
  const le = options.le ?? true;
  const headerSize = bits === 64 ? 64 : 52;
  const shentsize = bits === 64 ? 64 : 40;
  const names = ['libc.so.6', ...options.needs];
  const strOffsets: number[] = [];
  let strtab = '\0';
  for (const n of names) {
    strOffsets.push(strtab.length);
    strtab += `${n}\0`;
  }
  const dynstr = headerSize;
  const verneed = align(dynstr + strtab.length, 8);
  const verneedSize = options.needs.length > 0 ? 16 + 16 * options.needs.length : 0;
  const shoff = align(verneed + verneedSize, 8);
  const buf = Buffer.alloc(shoff + 3 * shentsize);
  const v = new DataView(buf.buffer);
  const u16 = (at: number, x: number) => v.setUint16(at, x, le);
  const u32 = (at: number, x: number) => v.setUint32(at, x, le);
  const word = (at: number, x: number) => (bits === 64 ? v.setBigUint64(at, BigInt(x), le) : u32(at, x));
  buf.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, le ? 1 : 2, 1], 0);
  u16(16, 3); // ET_DYN
  u16(18, 62); // EM_X86_64
  word(bits === 64 ? 0x28 : 0x20, shoff);
  u16(bits === 64 ? 0x3a : 0x2e, shentsize);
  u16(bits === 64 ? 0x3c : 0x30, 3);
  buf.write(strtab, dynstr, 'latin1');
  if (options.needs.length > 0) {
    u16(verneed, 1); // vn_version
    u16(verneed + 2, options.needs.length);
    u32(verneed + 4, strOffsets[0]!);
    u32(verneed + 8, 16); // vn_aux
    options.needs.forEach((_, i) => {
      const aux = verneed + 16 + 16 * i;
      u32(aux + 8, strOffsets[i + 1]!);
      u32(aux + 12, i + 1 < options.needs.length ? 16 : 0);
    });
  }
  const section = (i: number, type: number, offset: number, size: number, link: number, info: number) => {
    const at = shoff + i * shentsize;
    u32(at + 4, type);
    word(at + (bits === 64 ? 24 : 16), offset);
    word(at + (bits === 64 ? 32 : 20), size);
    u32(at + (bits === 64 ? 40 : 24), link);
    u32(at + (bits === 64 ? 44 : 28), info);
  };
  section(1, 3, dynstr, strtab.length, 0, 0);
  if (options.needs.length > 0) section(2, 0x6ffffffe, verneed, verneedSize, 1, 1);
  return buf;
}

/** Offsets inside a 64-bit little-endian buildElf file, for the corruption cases. */
function elfLayout(buf: Buffer) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const verneedHeader = shoff + 2 * 64;
  const verneed = Number(v.getBigUint64(verneedHeader + 24, true));
  const dynstrHeader = shoff + 64;
  return {
    verneedHeader,
    verneed,
    vernaux: verneed + 16,
    dynstr: Number(v.getBigUint64(dynstrHeader + 24, true)),
    dynstrSize: Number(v.getBigUint64(dynstrHeader + 32, true)),
  };
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
