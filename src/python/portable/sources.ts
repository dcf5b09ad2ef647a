// Obtaining the recipe's sources, verified, into one folder: each pinned upstream tarball is taken from
// the folder when its SHA-256 already matches, otherwise downloaded with `apt-get source --download-only`
// (Debian's signed index vouches for it in transit), then checked against its pin and — where upstream
// signs — its `.asc` is checked with gpgv against the key Debian ships in debian/upstream/signing-key.asc.
// A source that fails a check is deleted; nothing unverified stays in the folder.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlavorError } from '../../errors.js';
import { run } from '../exec.js';
import { sha256File } from '../fsutil.js';
import type { Logger } from '../types.js';
import { fetchGoModuleSource } from './go-module.js';
import { isGoModulePin, type RuntimeSourcePin, type SourcePin } from './pins.js';

export interface SourceOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Makes `dir` hold every pinned source, verified; returns `dir`. */
export async function ensureSources(
  dir: string,
  pins: readonly RuntimeSourcePin[],
  options: SourceOptions,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const pin of pins) {
    const target = join(dir, pin.file);
    if (existsSync(target) && (await sha256OfFile(target)) === pin.sha256) continue;
    if (isGoModulePin(pin)) await fetchGoModuleSource(dir, pin, options);
    else await fetchVerified(dir, pin, options);
  }
  return dir;
}

async function fetchVerified(dir: string, pin: SourcePin, options: SourceOptions): Promise<void> {
  const scratch = await mkdtemp(join(dir, `.fetch-${pin.name}-`));
  try {
    await aptSource(scratch, pin, options);
    const file = join(scratch, pin.file);
    await checkPinnedHash(file, pin);
    if (pin.upstreamSignature) await checkUpstreamSignature(scratch, pin, options);
    await rename(file, join(dir, pin.file));
    options.log({
      kind: 'info',
      message: `runtime source ${pin.file}: SHA-256 as pinned${pin.upstreamSignature ? ', upstream signature good' : ''}`,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function aptSource(scratch: string, pin: SourcePin, options: SourceOptions): Promise<void> {
  const spec = `${pin.package}/${pin.suite}`;
  const result = await run('apt-get', ['source', '--download-only', spec], {
    cwd: scratch,
    env: options.env ?? process.env,
  }).catch((cause: unknown) => {
    throw new FlavorError(
      'TOOL_DOWNLOAD',
      `cannot run apt-get to fetch the runtime source ${spec} (${pin.file})`,
      {
        cause,
        hint: `the portable runtime is built from Debian source packages: build on Debian/Ubuntu with apt, or copy ${pin.file} (SHA-256 ${pin.sha256}) into ${scratch.replace(/\/\.fetch-[^/]*$/, '')}`,
      },
    );
  });
  if (result.code !== 0 || !existsSync(join(scratch, pin.file))) {
    throw new FlavorError('TOOL_DOWNLOAD', `cannot download the runtime source ${spec} (${pin.file})`, {
      details: { output: `${result.stdout}\n${result.stderr}`.trim().slice(-2000) },
      hint: `enable deb-src for ${pin.suite} (docs/runtime.md: "Sources") and run apt-get update; offline, copy ${pin.file} into the sources folder`,
    });
  }
}

async function checkPinnedHash(file: string, pin: SourcePin): Promise<void> {
  const actual = await sha256OfFile(file);
  if (actual !== pin.sha256) {
    throw new FlavorError(
      'TOOL_CHECKSUM',
      `runtime source ${pin.file} does not match its pin (SHA-256 ${actual}, expected ${pin.sha256})`,
      {
        hint: 'Debian now serves another upstream tarball under this name: update the pin in src/python/portable/pins.ts after checking the new one',
      },
    );
  }
}

/** gpgv <file>.asc against the key in the Debian packaging tarball of the same download. */
async function checkUpstreamSignature(
  scratch: string,
  pin: SourcePin,
  options: SourceOptions,
): Promise<void> {
  const packaging = (await readdir(scratch)).find((n) => /\.debian\.tar\.(xz|gz|bz2)$/.test(n));
  const asc = join(scratch, `${pin.file}.asc`);
  const fail = (what: string, output = ''): FlavorError =>
    new FlavorError('TOOL_CHECKSUM', `runtime source ${pin.file}: ${what}`, {
      ...(output ? { details: { output: output.slice(-2000) } } : {}),
      hint: 'the source was not used; check the download (or the pin) before building',
    });
  if (!packaging || !existsSync(asc)) throw fail('no upstream signature or packaging tarball next to it');
  const untar = await run('tar', ['-xf', packaging, 'debian/upstream/signing-key.asc'], { cwd: scratch });
  if (untar.code !== 0)
    throw fail('the Debian packaging has no debian/upstream/signing-key.asc', untar.stderr);
  const keyring = join(scratch, 'upstream-keyring.gpg');
  const armored = await readFile(join(scratch, 'debian/upstream/signing-key.asc'), 'utf8');
  await writeFile(keyring, dearmor(armored));
  const verify = await run('gpgv', ['--keyring', keyring, asc, join(scratch, pin.file)], {
    cwd: scratch,
    env: options.env ?? process.env,
  }).catch((cause: unknown) => {
    throw new FlavorError(
      'TOOL_FAILED',
      'gpgv is needed to check the upstream signatures of the runtime sources',
      {
        cause,
        hint: 'install it (Debian/Ubuntu: apt-get install gpgv)',
      },
    );
  });
  if (verify.code !== 0)
    throw fail('the upstream signature does not verify with the key Debian ships', verify.stderr);
}

/** The binary OpenPGP packets of an ASCII-armored key block (every block in the file, concatenated). */
export function dearmor(text: string): Buffer {
  const blocks: Buffer[] = [];
  const re = /-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n([\s\S]*?)-----END PGP PUBLIC KEY BLOCK-----/g;
  for (const match of text.matchAll(re)) {
    const body = (match[1] ?? '').split(/\r?\n/);
    const blank = body.findIndex((line) => line.trim() === '');
    const lines = body.slice(blank + 1).filter((line) => line.trim() !== '' && !line.startsWith('='));
    blocks.push(Buffer.from(lines.join(''), 'base64'));
  }
  if (blocks.length === 0) {
    throw new FlavorError('TOOL_CHECKSUM', 'the upstream signing key is not an ASCII-armored OpenPGP key', {
      hint: 'check debian/upstream/signing-key.asc in the Debian packaging',
    });
  }
  return Buffer.concat(blocks);
}

/** SHA-256 of a file, hex (fsutil's, under the name the callers of this module know). */
export const sha256OfFile = sha256File;
