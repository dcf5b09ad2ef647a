// Which glibc an ELF file needs: the GLIBC_x.y names in its version needs (the SHT_GNU_verneed section,
// "Elf_Verneed" entries with their "Elf_Vernaux" lists, names in the linked string table). The dynamic
// loader refuses to start a program whose needs its libc does not define ("version `GLIBC_2.34' not
// found"), so the highest of these names over every ELF file of a package is the oldest glibc the
// package runs on: `flavor pack` records it as `compatibility.glibc` (format/glibc.ts, docs/launcher.md "The glibc check").
//
//   readElfGlibc(bytes, name)     one file: machine, class and its GLIBC_ needs (undefined: not ELF)
//   scanGlibcRequirement(dirs)    every regular file under the folders: the highest need and its file
//
// Every offset, size and count read from the file is checked against the file before use; a damaged file
// is a SOURCE_INVALID error naming what is wrong, never an out-of-range read or an endless loop.

import { open, readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { FlavorError } from '../errors.js';
import { compareGlibc, parseGlibcVersion } from '../format/glibc.js';
import { listFiles } from './fsutil.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_STRTAB = 3;
const VERNEED_SIZE = 16;
const VERNAUX_SIZE = 16;

/** What readElfGlibc finds in one ELF file. */
export interface ElfGlibcInfo {
  /** e_machine: 62 x86-64, 183 AArch64, … */
  machine: number;
  bits: 32 | 64;
  /** The GLIBC_x.y versions it needs, without the prefix, oldest first, each once. */
  glibc: string[];
  /** The newest of them; undefined when it needs none (static, or no versioned symbols). */
  highest: string | undefined;
}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

/** An ELF file's bytes with bounds-checked little- or big-endian reads. */
class ElfBytes {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    private readonly le: boolean,
    readonly bits: 32 | 64,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  damaged(problem: string): FlavorError {
    return new FlavorError('SOURCE_INVALID', `${this.name}: damaged ELF file: ${problem}`, {
      hint: 'the file is not a valid program or library; remove it from the package or rebuild it',
    });
  }

  need(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw this.damaged(
        `${what} at ${offset} (+${length}) lies outside the file (${this.bytes.length} bytes)`,
      );
    }
  }
  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, this.le);
  }
  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, this.le);
  }
  /** A file-sized word: u32 in 32-bit files, u64 in 64-bit ones (refused above 2^53). */
  word(offset: number, what: string): number {
    if (this.bits === 32) return this.u32(offset, what);
    this.need(offset, 8, what);
    const value = this.view.getBigUint64(offset, this.le);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.damaged(`${what} is ${value}`);
    return Number(value);
  }
  /** The NUL-terminated string at `offset` of the string table section `table`. */
  string(table: Section, offset: number, what: string): string {
    if (offset >= table.size) throw this.damaged(`${what} points past its string table`);
    const start = table.offset + offset;
    const end = this.bytes.indexOf(0, start);
    if (end < 0 || end >= table.offset + table.size) throw this.damaged(`${what} is not NUL-terminated`);
    return Buffer.from(this.bytes.subarray(start, end)).toString('latin1');
  }
}

/** The machine, class and GLIBC_ needs of an ELF file; undefined when `bytes` is not ELF at all. */
export function readElfGlibc(bytes: Uint8Array, name: string): ElfGlibcInfo | undefined {
  if (bytes.length < 4 || ELF_MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const elf = openElf(bytes, name);
  const machine = elf.u16(18, 'e_machine');
  const sections = sectionsOf(elf);
  const needs = new Set<string>();
  for (const section of sections) {
    if (section.type === SHT_GNU_VERNEED) {
      for (const version of verneedNames(elf, section, sections)) needs.add(version);
    }
  }
  const glibc = [...needs]
    .flatMap((n) => {
      const v = n.startsWith('GLIBC_') ? n.slice(6) : undefined;
      return v !== undefined && parseGlibcVersion(v) ? [v] : [];
    })
    .sort((a, b) => compareGlibc(parseGlibcVersion(a)!, parseGlibcVersion(b)!));
  return { machine, bits: elf.bits, glibc, highest: glibc.at(-1) };
}

function openElf(bytes: Uint8Array, name: string): ElfBytes {
  const cls = bytes[4];
  const data = bytes[5];
  if (bytes.length < 16 || (cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ElfBytes(bytes, name, true, 64).damaged(`unknown class ${cls} or byte order ${data}`);
  }
  return new ElfBytes(bytes, name, data === 1, cls === 1 ? 32 : 64);
}

/** The section header table (e_shoff, e_shentsize, e_shnum; a count of 0 is in section 0's sh_size). */
function sectionsOf(elf: ElfBytes): Section[] {
  const is64 = elf.bits === 64;
  const shoff = elf.word(is64 ? 0x28 : 0x20, 'e_shoff');
  if (shoff === 0) return [];
  const entsize = elf.u16(is64 ? 0x3a : 0x2e, 'e_shentsize');
  const minimum = is64 ? 64 : 40;
  if (entsize < minimum) throw elf.damaged(`e_shentsize ${entsize} is below ${minimum}`);
  let count = elf.u16(is64 ? 0x3c : 0x30, 'e_shnum');
  if (count === 0) count = sectionAt(elf, shoff).size; // extended numbering
  elf.need(shoff, count * entsize, 'the section header table');
  return Array.from({ length: count }, (_, i) => sectionAt(elf, shoff + i * entsize));
}

function sectionAt(elf: ElfBytes, at: number): Section {
  const is64 = elf.bits === 64;
  return {
    type: elf.u32(at + 4, 'sh_type'),
    offset: elf.word(at + (is64 ? 24 : 16), 'sh_offset'),
    size: elf.word(at + (is64 ? 32 : 20), 'sh_size'),
    link: elf.u32(at + (is64 ? 40 : 24), 'sh_link'),
    info: elf.u32(at + (is64 ? 44 : 28), 'sh_info'),
  };
}

/**
 * The version names of a verneed section: sh_info entries chained by vn_next, each with vn_cnt
 * auxiliary entries chained by vna_next, all inside the section; names in the section sh_link names.
 */
function verneedNames(elf: ElfBytes, section: Section, sections: Section[]): string[] {
  elf.need(section.offset, section.size, 'the version needs section');
  const strings = sections[section.link];
  if (!strings || strings.type !== SHT_STRTAB) throw elf.damaged('the version needs name no string table');
  elf.need(strings.offset, strings.size, 'the version needs string table');
  const end = section.offset + section.size;
  // Every entry takes 16 bytes of the section, so a chain longer than that loops.
  const budget = Math.floor(section.size / VERNEED_SIZE);
  const names: string[] = [];
  let at = section.offset;
  for (let i = 0; i < section.info; i++) {
    if (i >= budget || at + VERNEED_SIZE > end) throw elf.damaged('a version need lies outside its section');
    const count = elf.u16(at + 2, 'vn_cnt');
    let aux = at + elf.u32(at + 8, 'vn_aux');
    for (let j = 0; j < count; j++) {
      if (j >= budget || aux + VERNAUX_SIZE > end || aux < section.offset) {
        throw elf.damaged('a version need entry lies outside its section');
      }
      names.push(elf.string(strings, elf.u32(aux + 8, 'vna_name'), 'a version name'));
      aux += elf.u32(aux + 12, 'vna_next');
    }
    const next = elf.u32(at + 12, 'vn_next');
    if (next === 0) break;
    at += next;
  }
  return names;
}

/** The highest GLIBC need over the ELF files under `dirs`, the file it comes from, and what was read. */
export interface GlibcRequirement {
  /** undefined: no ELF file needs a versioned glibc symbol. */
  glibc: string | undefined;
  /** The file (relative to its folder) that needs `glibc`. */
  from: string | undefined;
  elfFiles: number;
  /** Files that start like ELF but cannot be read: "path: problem". Not counted. */
  unreadable: string[];
}

/** Reads every regular file under `dirs` that starts with the ELF magic (symbolic links are not followed). */
export async function scanGlibcRequirement(dirs: string[]): Promise<GlibcRequirement> {
  const result: GlibcRequirement = { glibc: undefined, from: undefined, elfFiles: 0, unreadable: [] };
  for (const dir of dirs) {
    for (const file of await listFiles(dir)) {
      if (!(await startsWithElfMagic(file))) continue;
      const name = relative(dir, file);
      let info: ElfGlibcInfo | undefined;
      try {
        info = readElfGlibc(await readFile(file), name);
      } catch (error) {
        if (!(error instanceof FlavorError)) throw error;
        result.unreadable.push(error.message);
        continue;
      }
      result.elfFiles++;
      const highest = info?.highest;
      if (
        highest &&
        (!result.glibc || compareGlibc(parseGlibcVersion(highest)!, parseGlibcVersion(result.glibc)!) > 0)
      ) {
        result.glibc = highest;
        result.from = name;
      }
    }
  }
  return result;
}

async function startsWithElfMagic(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && ELF_MAGIC.every((b, i) => head[i] === b);
  } finally {
    await fh.close();
  }
}
