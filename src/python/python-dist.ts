// --python-dist: a python-build-standalone archive (docs/platforms.md), the runtime source that works for
// every target. Its platform is known from the target triple in its name
// (cpython-3.12.7+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz) and checked against the header
// of the interpreter inside (ELF / Mach-O / PE: OS and CPU), so a renamed archive is still recognised and a
// mislabelled one is refused.
//
//   python/bin/python3.X, python/lib/python3.X/…        Linux and macOS
//   python/python.exe, python/Lib/…                      Windows

import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { executablePlatform } from '../builder/launcher-check.js';
import { FlavorError } from '../errors.js';

/** python-build-standalone target triples → our platform names. */
const TRIPLES: Array<[RegExp, string]> = [
  [/^x86_64(_v[234])?-unknown-linux-gnu$/, 'linux_amd64'],
  [/^aarch64-unknown-linux-gnu$/, 'linux_arm64'],
  [/^x86_64-apple-darwin$/, 'darwin_amd64'],
  [/^aarch64-apple-darwin$/, 'darwin_arm64'],
  [/^x86_64-pc-windows-msvc(-shared|-static)?$/, 'windows_amd64'],
  [/^aarch64-pc-windows-msvc(-shared|-static)?$/, 'windows_arm64'],
];

/** The usual triple of a platform (for hints). */
export const PLATFORM_TRIPLES: Record<string, string> = {
  linux_amd64: 'x86_64-unknown-linux-gnu',
  linux_arm64: 'aarch64-unknown-linux-gnu',
  darwin_amd64: 'x86_64-apple-darwin',
  darwin_arm64: 'aarch64-apple-darwin',
  windows_amd64: 'x86_64-pc-windows-msvc',
  windows_arm64: 'aarch64-pc-windows-msvc',
};

const NAME_RE =
  /^cpython-(\d+\.\d+\.\d+)\+(\d{8})-([a-z0-9_]+-[a-z0-9]+-[a-z0-9]+(?:-[a-z0-9]+)*?)-(install_only(?:_stripped)?|[a-z0-9+]*-?full)\.(tar\.gz|tgz|tar\.zst|tzst|tar)$/;

export interface DistName {
  /** CPython version, e.g. 3.12.7. */
  version: string;
  /** Release date of the build (YYYYMMDD). */
  release: string;
  triple: string;
  /** Our platform name; undefined for a triple we do not package (musl, armv7, …). */
  platform: string | undefined;
}

/** What the file name of a python-build-standalone archive says; undefined when it is not such a name. */
export function parseDistName(file: string): DistName | undefined {
  const m = NAME_RE.exec(basename(file));
  if (!m) return undefined;
  const triple = m[3] as string;
  const platform = TRIPLES.find(([re]) => re.test(triple))?.[1];
  return { version: m[1] as string, release: m[2] as string, triple, platform };
}

/** An extracted archive: where its interpreter and its folders are. */
export interface DistLayout {
  /** The installation folder (python/). */
  prefix: string;
  /** The interpreter executable. */
  exe: string;
  /** Relative to the prefix, with "/": bin/python3.12 or python.exe. */
  exeRel: string;
  /** 3.12 (from lib/python3.X, or pythonXY.dll / pythonXY.zip on Windows). */
  minor: string;
  /** Relative to the prefix: lib/python3.12 or Lib. */
  stdlibRel: string;
  /** Relative to the prefix: lib/python3.12/site-packages or Lib/site-packages. */
  sitePackagesRel: string;
  /** The platform of the interpreter, from its header (undefined: not an executable we know). */
  platform: string | undefined;
}

/** Extract a python-build-standalone archive into `destDir` and find its interpreter. */
export async function extractPythonDist(archive: string, destDir: string): Promise<DistLayout> {
  if (!existsSync(archive)) {
    throw new FlavorError('NOT_FOUND', '--python-dist archive not found', { path: archive });
  }
  await mkdir(destDir, { recursive: true });
  await extractArchive(archive, destDir);
  const layout = await findDistLayout(destDir, 0);
  if (!layout) {
    throw new FlavorError(
      'PYTHON_NOT_FOUND',
      '--python-dist archive contains no python/bin/python3.X (Linux, macOS) or python/python.exe (Windows)',
      {
        path: archive,
        hint: 'use an "install_only" or "full" python-build-standalone archive (github.com/astral-sh/python-build-standalone)',
      },
    );
  }
  return layout;
}

async function extractArchive(archive: string, destDir: string): Promise<void> {
  const tar = await import('tar');
  try {
    if (/\.(tar\.zst|tzst)$/.test(archive)) {
      await extractZstd(archive, destDir);
    } else if (/\.(tar\.gz|tgz|tar)$/.test(archive)) {
      await tar.x({ file: archive, cwd: destDir, preserveOwner: false, strict: true });
    } else {
      throw new FlavorError(
        'PROJECT_INVALID',
        `--python-dist ${archive}: expected a .tar.gz or .tar.zst archive`,
        { path: archive },
      );
    }
  } catch (error) {
    if (error instanceof FlavorError) throw error;
    throw new FlavorError('IO_ERROR', `cannot extract --python-dist archive: ${(error as Error).message}`, {
      path: archive,
      cause: error,
    });
  }
}

async function extractZstd(archive: string, destDir: string): Promise<void> {
  const tar = await import('tar');
  const { Decompress } = await import('fzstd');
  const extractor = tar.x({ cwd: destDir, preserveOwner: false, strict: true });
  const sink = extractor as unknown as NodeJS.WritableStream;
  const done = new Promise<void>((resolve, reject) => {
    extractor.on('finish', () => resolve());
    extractor.on('close', () => resolve());
    extractor.on('error', reject);
  });
  const decompress = new Decompress((chunk, final) => {
    sink.write(Buffer.from(chunk));
    if (final) sink.end();
  });
  await pipeline(
    createReadStream(archive),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        try {
          decompress.push(new Uint8Array(chunk));
          cb();
        } catch (error) {
          cb(error as Error);
        }
      },
      final(cb) {
        try {
          decompress.push(new Uint8Array(0), true);
          cb();
        } catch (error) {
          cb(error as Error);
        }
      },
    }),
  );
  await done;
}

/** The first folder (depth ≤ 4) holding bin/python3.X + lib/python3.X, or python.exe + Lib. */
async function findDistLayout(dir: string, depth: number): Promise<DistLayout | undefined> {
  if (depth > 4) return undefined;
  const found = (await unixLayout(dir)) ?? (await windowsLayout(dir));
  if (found) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !['lib', 'Lib', 'bin', 'include', 'share'].includes(entry.name)) {
      const inner = await findDistLayout(join(dir, entry.name), depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

async function unixLayout(prefix: string): Promise<DistLayout | undefined> {
  const bin = join(prefix, 'bin');
  if (!existsSync(bin) || !existsSync(join(prefix, 'lib'))) return undefined;
  const name = readdirSync(bin)
    .filter((n) => /^python3\.\d+$/.test(n))
    .sort()[0];
  if (!name) return undefined;
  const minor = name.slice('python'.length);
  const stdlibRel = `lib/python${minor}`;
  return {
    prefix,
    exe: join(bin, name),
    exeRel: `bin/${name}`,
    minor,
    stdlibRel,
    sitePackagesRel: `${stdlibRel}/site-packages`,
    platform: await executablePlatform(join(bin, name)),
  };
}

async function windowsLayout(prefix: string): Promise<DistLayout | undefined> {
  const exe = join(prefix, 'python.exe');
  if (!existsSync(exe)) return undefined;
  const dll = readdirSync(prefix).find((n) => /^python3\d+\.dll$/i.test(n));
  const digits = dll?.slice('python'.length, -'.dll'.length);
  if (!digits) return undefined;
  return {
    prefix,
    exe,
    exeRel: 'python.exe',
    minor: `${digits[0]}.${digits.slice(1)}`,
    stdlibRel: 'Lib',
    sitePackagesRel: 'Lib/site-packages',
    platform: await executablePlatform(exe),
  };
}
