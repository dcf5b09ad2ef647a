// Is this file a launcher we can put in front of a package? `flavor pack --launcher-bin` accepts any
// path, so before anything is built the bytes are checked:
//   1. an executable for the target platform (ELF / Mach-O / PE header: OS and CPU);
//   2. not a package already (a PSPF trailer at its end);
//   3. a recognisable PSPF launcher: ours carries the "flavor-launcher-version=" stamp and the trust
//      block; upstream FlavorPack launchers carry the "PSPF" format name. Anything else (/bin/ls, a shell
//      script) would make a "package" that runs that program, so it is refused.

import { open } from 'node:fs/promises';
import { FlavorError } from '../errors.js';
import { END_MAGIC } from '../format/index.js';

export interface ExecutableKind {
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64' | 'other';
}

export interface LauncherIdentity extends ExecutableKind {
  /** "flavorpack": built from launcher/ of this project; "pspf": another PSPF launcher (upstream's). */
  family: 'flavorpack' | 'pspf';
}

const VERSION_STAMP = Buffer.from('flavor-launcher-version=');
const TRUST_MAGIC = Buffer.from('\x00FLAVOR-TRUST-V1\x00', 'latin1');
const PSPF_NAME = Buffer.from('PSPF');

const ELF_MACHINE: Record<number, ExecutableKind['arch']> = { 62: 'amd64', 183: 'arm64' };
const MACHO_CPU: Record<number, ExecutableKind['arch']> = { 16777223: 'amd64', 16777228: 'arm64' };
const PE_MACHINE: Record<number, ExecutableKind['arch']> = { 34404: 'amd64', 43620: 'arm64' };

/** OS and CPU of an executable from its header; undefined when it is none of ELF, Mach-O 64, PE. */
export function executableKind(bytes: Uint8Array): ExecutableKind | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 20 && b.readUInt32BE(0) === 0x7f454c46) {
    const little = b[5] === 1;
    const machine = little ? b.readUInt16LE(18) : b.readUInt16BE(18);
    return { os: 'linux', arch: ELF_MACHINE[machine] ?? 'other' };
  }
  if (b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf) {
    return { os: 'darwin', arch: MACHO_CPU[b.readUInt32LE(4)] ?? 'other' };
  }
  if (b.length >= 0x40 && b[0] === 0x4d && b[1] === 0x5a) {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 6 <= b.length && b.readUInt32BE(pe) === 0x50450000) {
      return { os: 'windows', arch: PE_MACHINE[b.readUInt16LE(pe + 4)] ?? 'other' };
    }
  }
  return undefined;
}

/** linux_arm64 etc. from the header of the executable `file` starts with; undefined when not one we build for. */
export async function executablePlatform(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const kind = executableKind(head.subarray(0, bytesRead));
    return kind && kind.arch !== 'other' ? `${kind.os}_${kind.arch}` : undefined;
  } finally {
    await handle.close();
  }
}

function refuse(file: string, message: string, hint: string): FlavorError {
  return new FlavorError('LAUNCHER_INVALID', message, { path: file, hint });
}

/** Checks that `bytes` (read from `file`) is a PSPF launcher for `platform` ("linux_amd64"). */
export function checkLauncher(bytes: Uint8Array, platform: string, file: string): LauncherIdentity {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fix = 'pass a FlavorPack launcher (`flavor helpers list`), or leave --launcher-bin out';
  const kind = executableKind(b);
  if (!kind) {
    throw refuse(file, 'not a launcher: the file is not an executable (ELF, Mach-O or PE)', fix);
  }
  const found = `${kind.os}_${kind.arch}`;
  if (found !== platform) {
    throw refuse(
      file,
      `the launcher is built for ${found}, but the package targets ${platform}`,
      `use the launcher for ${platform} (flavor helpers build --platform ${platform}), or pass --platform ${found}`,
    );
  }
  if (b.length >= END_MAGIC.length && b.subarray(b.length - END_MAGIC.length).equals(END_MAGIC)) {
    throw refuse(file, 'not a launcher: the file is a package (it ends with a PSPF trailer)', fix);
  }
  if (b.includes(VERSION_STAMP) && b.includes(TRUST_MAGIC)) return { ...kind, family: 'flavorpack' };
  if (b.includes(PSPF_NAME)) return { ...kind, family: 'pspf' };
  throw refuse(
    file,
    'not a launcher: the executable has neither the FlavorPack launcher stamp nor the PSPF format name',
    fix,
  );
}
