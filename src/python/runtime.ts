// The runtime slot: a relocatable copy of a CPython installation.
//
//   bin/python3.X (+ python3, python → python3.X)
//   lib/libpython3.X.so.1.0            (shared builds)
//   lib/libssl.so.3, libffi.so.8, …    host libraries the extension modules need, beyond glibc
//   lib/python3.X/…                    the standard library incl. lib-dynload, precompiled (.pyc, unchecked-hash)
//
// The executable gets DT_RPATH $ORIGIN/../lib, libraries $ORIGIN, lib-dynload modules $ORIGIN/../.. so the
// tree runs from any folder and prefers its own copies of libssl & co. The result is cached under
// <buildCacheDir>/python-runtimes/<key>/runtime, keyed by the interpreter files, options and tool versions.

import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { FlavorError } from '../errors.js';
import { run, runChecked } from './exec.js';
import { copyTree, isElf, sha256File, sha256Text, treeSize } from './fsutil.js';
import type { InterpreterInfo } from './interpreters.js';
import { findTool, requireTool, toolVersion } from './tools.js';
import type { Logger } from './types.js';

/** Bump when the runtime layout or build steps change: invalidates every cached runtime. */
export const RUNTIME_PIPELINE_VERSION = 4;

/** Top-level stdlib entries left out of the runtime. */
const PRUNED_STDLIB_TOP = new Set([
  'site-packages',
  'dist-packages',
  'test',
  'idlelib',
  'tkinter',
  'turtledemo',
  'ensurepip',
]);
/** Test sub-packages inside the stdlib. */
const PRUNED_STDLIB_NESTED = new Set([
  'ctypes/test',
  'sqlite3/test',
  'unittest/test',
  'distutils/tests',
  'lib2to3/tests',
  'tkinter/test',
  'idlelib/idle_test',
  'json/tests',
]);
/** Extension modules left out: test helpers, Tk (needs X11), NIS (deprecated, needs libnsl + Kerberos). */
const DROPPED_MODULE_RE = /^(_test|_ctypes_test|_xxtestfuzz|xxlimited|xxsubtype|_tkinter|nis)[^/]*\.so$/;
/** Libraries every glibc system has: never bundled. */
const SYSTEM_LIB_RE =
  /^(linux-vdso|linux-gate|ld-linux[^/]*|ld64|libc|libm|libdl|libpthread|librt|libutil|libresolv|libanl|libmvec|libBrokenLocale|libnss_[a-z]+|libthread_db|libgcc_s|libstdc\+\+)\.so(\.\d+)*$/;

/** Modules the smoke test imports; failures become warnings naming the module. */
const SMOKE_MODULES = [
  'ssl',
  'sqlite3',
  'ctypes',
  'lzma',
  'bz2',
  'zlib',
  'hashlib',
  'decimal',
  'json',
  'uuid',
  'readline',
  'curses',
  'zoneinfo',
  'asyncio',
  'multiprocessing',
  'xml.etree.ElementTree',
  'socket',
  'select',
  'unicodedata',
];

export interface RuntimeInfo {
  /** The slot source folder. */
  dir: string;
  key: string;
  version: string;
  /** "3.11" */
  minor: string;
  /** Paths relative to the runtime root. */
  pythonRel: string;
  stdlibRel: string;
  sitePackagesRel: string;
  bundledLibs: string[];
  droppedModules: string[];
  failedImports: string[];
  sizeBytes: number;
  stripped: boolean;
  /** True when taken from the build cache. */
  cached: boolean;
  buildMs: number;
}

export interface BuildRuntimeOptions {
  interpreter: InterpreterInfo;
  buildCacheDir: string;
  strip: boolean;
  /** sha256 of the --python-dist archive, when the interpreter came from one (part of the cache key). */
  distSha256?: string;
  log: Logger;
  verbose?: boolean;
}

function minorOf(version: string): string {
  const [a, b] = version.split('.');
  return `${a}.${b}`;
}

function statKey(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

/** Where the runtime for these options is (or will be) cached, and its key. */
export async function runtimeCacheEntry(options: BuildRuntimeOptions): Promise<{ key: string; dir: string }> {
  const info = options.interpreter;
  const exe = await realpath(info.path);
  const libpython = info.shared ? await findLibpython(info).catch(() => undefined) : undefined;
  const patchelf = findTool('patchelf');
  const strip = options.strip ? findTool('strip') : undefined;
  const keyInput = {
    pipeline: RUNTIME_PIPELINE_VERSION,
    exe,
    exeStat: statKey(exe),
    libpython: libpython ?? null,
    libpythonStat: libpython ? statKey(libpython) : null,
    version: info.version,
    platform: info.platform,
    strip: options.strip,
    patchelf: patchelf ? await toolVersion(patchelf.path) : null,
    stripTool: strip ? await toolVersion(strip.path) : null,
    dist: options.distSha256 ?? null,
  };
  const key = sha256Text(JSON.stringify(keyInput)).slice(0, 16);
  const name = `cpython-${info.version}-${info.platform}-${key}`;
  return { key, dir: join(options.buildCacheDir, 'python-runtimes', name) };
}

/** Build (or take from the cache) the relocatable runtime for an interpreter. */
export async function buildRuntime(options: BuildRuntimeOptions): Promise<RuntimeInfo> {
  const started = Date.now();
  const { key, dir } = await runtimeCacheEntry(options);
  const infoFile = join(dir, 'runtime.json');
  if (existsSync(infoFile) && existsSync(join(dir, 'runtime'))) {
    try {
      const cached = JSON.parse(await readFile(infoFile, 'utf8')) as RuntimeInfo;
      return { ...cached, dir: join(dir, 'runtime'), cached: true, buildMs: Date.now() - started };
    } catch {
      // damaged entry: rebuild below
    }
  }
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.tmp-${basename(dir)}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true });
    const info = await assembleRuntime(options, join(staging, 'runtime'));
    const result: RuntimeInfo = {
      ...info,
      key,
      cached: false,
      buildMs: Date.now() - started,
      dir: join(dir, 'runtime'),
    };
    await writeFile(
      join(staging, 'runtime.json'),
      `${JSON.stringify({ ...result, dir: undefined }, null, 2)}\n`,
    );
    if (existsSync(infoFile)) {
      // Another build finished first: keep its (identical) result, it may already be in use.
      await rm(staging, { recursive: true, force: true });
      return { ...result, cached: true };
    }
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    try {
      await rename(staging, dir);
    } catch (error) {
      if (!existsSync(infoFile)) throw error;
      await rm(staging, { recursive: true, force: true });
    }
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function findLibpython(info: InterpreterInfo): Promise<string | undefined> {
  const patchelf = findTool('patchelf');
  let needed: string[] = [];
  if (patchelf) {
    const result = await run(patchelf.path, ['--print-needed', info.path]);
    needed = result.stdout.split('\n').filter((n) => n.startsWith('libpython'));
  }
  const names = needed.length > 0 ? needed : [`libpython${minorOf(info.version)}.so.1.0`];
  for (const name of names) {
    for (const dir of [info.libdir, join(info.prefix, 'lib'), join(dirname(info.path), '..', 'lib')]) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

interface LddEntry {
  name: string;
  path: string | undefined;
}

/** Parse `ldd file1 file2 …` output into the libraries each file needs. */
export function parseLdd(output: string): Map<string, LddEntry[]> {
  const out = new Map<string, LddEntry[]>();
  let current: LddEntry[] = [];
  out.set('', current);
  for (const raw of output.split('\n')) {
    if (raw !== '' && !/^\s/.test(raw) && raw.endsWith(':')) {
      current = [];
      out.set(raw.slice(0, -1), current);
      continue;
    }
    const line = raw.trim();
    const arrow = /^(\S+)\s+=>\s+(.*?)(\s+\(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow?.[1]) {
      const target = arrow[2]?.trim() ?? '';
      current.push({ name: arrow[1], path: target === 'not found' || target === '' ? undefined : target });
    }
  }
  return out;
}

async function assembleRuntime(
  options: BuildRuntimeOptions,
  root: string,
): Promise<Omit<RuntimeInfo, 'key' | 'cached' | 'buildMs' | 'dir'>> {
  const { interpreter: info, log } = options;
  const minor = minorOf(info.version);
  const exeName = `python${minor}`;
  const patchelf = requireTool('patchelf', 'making the Python runtime relocatable');
  let strip = options.strip ? findTool('strip') : undefined;
  if (options.strip && !strip) {
    log({
      kind: 'warning',
      message:
        'strip (binutils) not found: the runtime is not stripped (install binutils, or pass --no-strip)',
    });
    strip = undefined;
  }
  const onCommand = options.verbose ? (line: string) => log({ kind: 'command', message: line }) : undefined;

  const stdlibRel = relative(info.prefix, info.stdlib);
  const sitePackagesRel = relative(info.prefix, info.sitePackages);
  const libDir = join(root, 'lib');
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(libDir, { recursive: true });

  // 1. executable + libpython
  const exe = join(root, 'bin', exeName);
  await copyFile(await realpath(info.path), exe);
  await chmod(exe, 0o755);
  await symlink(exeName, join(root, 'bin', 'python3'));
  await symlink(exeName, join(root, 'bin', 'python'));
  const elfFiles: string[] = [exe];
  const libFiles: string[] = [];
  if (info.shared) {
    const libpython = await findLibpython(info);
    if (!libpython) {
      throw new FlavorError(
        'PYTHON_NOT_FOUND',
        `cannot find libpython${minor} of ${info.path} (a --enable-shared build)`,
        {
          path: info.path,
        },
      );
    }
    const target = join(libDir, basename(libpython));
    await copyFile(await realpath(libpython), target);
    await chmod(target, 0o755);
    libFiles.push(target);
  }

  // 2. standard library (pruned)
  const droppedModules: string[] = [];
  await copyTree(info.stdlib, join(root, stdlibRel), (rel, isDir) => {
    const top = rel.split('/')[0] ?? '';
    if (rel === top && PRUNED_STDLIB_TOP.has(top)) return false;
    if (isDir && (basename(rel) === '__pycache__' || PRUNED_STDLIB_NESTED.has(rel) || /^config-/.test(rel)))
      return false;
    if (!isDir && /\.(pyc|pyo|exe)$/.test(rel)) return false;
    if (!isDir && rel.startsWith('lib-dynload/') && DROPPED_MODULE_RE.test(basename(rel))) {
      droppedModules.push(basename(rel).split('.')[0] ?? rel);
      return false;
    }
    return true;
  });
  if (info.platstdlib !== info.stdlib && existsSync(info.platstdlib)) {
    await copyTree(
      info.platstdlib,
      join(root, relative(info.prefix, info.platstdlib)),
      (rel) => !rel.includes('__pycache__'),
    );
  }
  const dynloadDir = join(root, relative(info.prefix, info.platstdlib), 'lib-dynload');
  const modules = existsSync(dynloadDir)
    ? (await readdir(dynloadDir)).filter((n) => n.endsWith('.so')).map((n) => join(dynloadDir, n))
    : [];
  elfFiles.push(...modules);

  // 3. host libraries the runtime needs beyond glibc (resolved by ldd against the original tree)
  const bundledLibs: string[] = [];
  const ldd = findTool('ldd');
  if (!ldd) {
    log({
      kind: 'warning',
      message:
        'ldd not found: host libraries (libssl, libffi, …) are not bundled; the package needs them on the target',
    });
  } else {
    const needed = new Map<string, string>();
    const missing: string[] = [];
    const result = await run(ldd.path, [info.path, ...libFiles, ...modules]);
    for (const [file, entries] of parseLdd(result.stdout)) {
      for (const entry of entries) {
        if (entry.name.startsWith('libpython') || SYSTEM_LIB_RE.test(entry.name)) continue;
        if (entry.path === undefined) missing.push(`${basename(file)} needs ${entry.name}`);
        else if (!needed.has(entry.name)) needed.set(entry.name, entry.path);
      }
    }
    for (const text of missing)
      log({
        kind: 'warning',
        message: `runtime: ${text}, which is not installed here (that module will not import)`,
      });
    for (const [name, source] of [...needed.entries()].sort()) {
      const target = join(libDir, name);
      if (existsSync(target)) continue;
      await copyFile(await realpath(source), target);
      await chmod(target, 0o755);
      libFiles.push(target);
      bundledLibs.push(name);
    }
  }

  // 4. strip, then set the search paths
  if (strip) {
    const files = [...elfFiles, ...libFiles];
    await runChecked(strip.path, ['--strip-unneeded', ...files], {
      step: 'stripping the runtime',
      onCommand,
    });
  }
  const patch = async (file: string, rpath: string): Promise<void> => {
    await runChecked(patchelf.path, ['--force-rpath', '--set-rpath', rpath, file], {
      step: `patchelf ${basename(file)}`,
      onCommand,
    });
  };
  await patch(exe, '$ORIGIN/../lib');
  for (const file of libFiles) if (await isElf(file)) await patch(file, '$ORIGIN');
  const fromDynload = relative(dynloadDir, libDir);
  for (const file of modules) await patch(file, `$ORIGIN/${fromDynload}`);

  // 5. smoke test from the new location, with an empty environment
  const smoke = await run(
    exe,
    [
      '-I',
      '-B',
      '-c',
      `import importlib, json, sys\nfailed = []\nfor m in ${JSON.stringify(SMOKE_MODULES)}:\n    try:\n        importlib.import_module(m)\n    except Exception as e:\n        failed.append("%s (%s)" % (m, e))\nprint(json.dumps({"prefix": sys.prefix, "failed": failed}))`,
    ],
    { env: {}, cwd: '/' },
  );
  let failedImports: string[] = [];
  try {
    const parsed = JSON.parse(smoke.stdout.trim().split('\n').pop() ?? '') as {
      prefix: string;
      failed: string[];
    };
    if (parsed.prefix !== root) {
      throw new FlavorError(
        'TOOL_FAILED',
        `the relocated runtime reports sys.prefix ${parsed.prefix}, expected ${root}`,
      );
    }
    failedImports = parsed.failed;
  } catch (error) {
    if (error instanceof FlavorError) throw error;
    throw new FlavorError(
      'TOOL_FAILED',
      `the relocated Python runtime does not start:\n${smoke.output.trim()}`,
      {
        hint: 'try --no-strip, another interpreter (--python), or a python-build-standalone archive (--python-dist)',
      },
    );
  }
  for (const failed of failedImports)
    log({ kind: 'warning', message: `runtime: module ${failed} does not import` });

  // 6. precompile the standard library (deterministic, no build paths inside)
  await compileTree(exe, join(root, stdlibRel), stdlibRel, log, onCommand);

  return {
    version: info.version,
    minor,
    pythonRel: `bin/${exeName}`,
    stdlibRel,
    sitePackagesRel,
    bundledLibs,
    droppedModules: droppedModules.sort(),
    failedImports,
    sizeBytes: await treeSize(root),
    stripped: strip !== undefined,
  };
}

/**
 * `python -m compileall` with unchecked-hash .pyc files (valid without mtime checks, reproducible);
 * `ddir` replaces the build path in the code objects (the import system fixes co_filename at run time).
 * Errors (e.g. files with Python-2 syntax in a dependency) become a warning: pip behaves the same way.
 */
export async function compileTree(
  python: string,
  dir: string,
  ddir: string,
  log: Logger,
  onCommand?: (line: string) => void,
): Promise<void> {
  const result = await run(
    python,
    ['-I', '-m', 'compileall', '-q', '-f', '-j0', '--invalidation-mode', 'unchecked-hash', '-d', ddir, dir],
    { env: { SOURCE_DATE_EPOCH: '0' }, cwd: '/', onCommand },
  );
  if (result.code !== 0) {
    const lines = result.output.split('\n').filter((l) => l.trim() !== '');
    log({
      kind: 'warning',
      message: `some files under ${ddir} did not compile to .pyc (they are kept as source):\n${lines.slice(-10).join('\n')}`,
    });
  }
}

export { sha256File };
