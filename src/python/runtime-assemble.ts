// Assembling a relocatable runtime tree from an installed CPython, in six steps:
//   1. the executable (+ libpython for --enable-shared builds)
//   2. the standard library, pruned, made self-contained (distro files dropped, outside links copied)
//   3. the host libraries the runtime needs beyond glibc (resolved by ldd against the original tree)
//   4. strip, then relative search paths (patchelf)
//   5. a smoke test from the new location, with an empty environment
//   6. the standard library precompiled (deterministic .pyc)
// followed by permission bits independent of the umask and a check that the tree is self-contained (no absolute or escaping symlink), so that what
// reaches the build cache can always be packed. Works for pyenv/python-build-standalone/uv builds and for
// distribution Pythons (Debian/Ubuntu dist-packages, /etc links, EXTERNALLY-MANAGED; Fedora lib64).

import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readlink, realpath, symlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FlavorError } from '../errors.js';
import { compileTree } from './compile.js';
import { run, runChecked } from './exec.js';
import { copyTree, isElf, treeSize } from './fsutil.js';
import type { InterpreterInfo } from './interpreters.js';
import { normalizeModes } from './reproducible.js';
import { type FoundTool, findTool, requireTool } from './tools.js';
import type { Logger } from './types.js';

/** Top-level stdlib entries left out of the runtime. */
const PRUNED_STDLIB_TOP = new Set([
  'site-packages',
  'dist-packages',
  'test',
  'idlelib',
  'tkinter',
  'turtledemo',
  'ensurepip',
  // Distribution files: the packed runtime is managed by nobody but the package (PEP 668 marker), and
  // the distribution's site hooks (Debian/Ubuntu: a link to /etc/python3.X/sitecustomize.py installing
  // apport) belong to the host, not to the app.
  'EXTERNALLY-MANAGED',
  'sitecustomize.py',
  'usercustomize.py',
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

export interface AssembledRuntime {
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
}

export interface AssembleOptions {
  interpreter: InterpreterInfo;
  strip: boolean;
  /** The standard library is precompiled at level 0 and at this level (-O/-OO apps start as fast). */
  optimizationLevel?: 0 | 1 | 2;
  log: Logger;
  verbose?: boolean;
}

/** What the steps share: the interpreter, the new tree, and the ELF files found so far. */
interface Assembly {
  info: InterpreterInfo;
  root: string;
  libDir: string;
  exe: string;
  /** Shared libraries copied into lib/ (libpython, bundled host libraries). */
  libFiles: string[];
  /** Extension modules in the new lib-dynload. */
  modules: string[];
  dynloadDir: string;
  log: Logger;
  onCommand: ((line: string) => void) | undefined;
}

export function minorOf(version: string): string {
  const [a, b] = version.split('.');
  return `${a}.${b}`;
}

export async function assembleRuntime(options: AssembleOptions, root: string): Promise<AssembledRuntime> {
  const { interpreter: info, log } = options;
  const minor = minorOf(info.version);
  const patchelf = requireTool('patchelf', 'making the Python runtime relocatable');
  const strip = stripTool(options);
  const a: Assembly = {
    info,
    root,
    libDir: join(root, 'lib'),
    exe: join(root, 'bin', `python${minor}`),
    libFiles: [],
    modules: [],
    dynloadDir: join(root, relative(info.prefix, info.platstdlib), 'lib-dynload'),
    log,
    onCommand: options.verbose ? (line: string) => log({ kind: 'command', message: line }) : undefined,
  };
  await copyInterpreter(a);
  const droppedModules = await copyStandardLibrary(a);
  const bundledLibs = await bundleHostLibraries(a);
  await stripAndPatch(a, patchelf, strip);
  const failedImports = await smokeTest(a);
  const stdlibRel = relative(info.prefix, info.stdlib);
  await compileTree(a.exe, join(root, stdlibRel), stdlibRel, log, {
    optimizationLevel: options.optimizationLevel ?? 0,
    alsoLevel0: true,
    ...(a.onCommand ? { onCommand: a.onCommand } : {}),
  });
  await normalizeModes(root);
  await checkSelfContained(root);
  return {
    version: info.version,
    minor,
    pythonRel: `bin/python${minor}`,
    stdlibRel,
    sitePackagesRel: relative(info.prefix, info.sitePackages),
    bundledLibs,
    droppedModules: droppedModules.sort(),
    failedImports,
    sizeBytes: await treeSize(root),
    stripped: strip !== undefined,
  };
}

function stripTool(options: AssembleOptions): FoundTool | undefined {
  if (!options.strip) return undefined;
  const strip = findTool('strip');
  if (!strip) {
    options.log({
      kind: 'warning',
      message:
        'strip (binutils) not found: the runtime is not stripped (install binutils, or pass --no-strip)',
    });
  }
  return strip;
}

export async function findLibpython(info: InterpreterInfo): Promise<string | undefined> {
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

/** 1. bin/python3.X (+ python3, python links) and, for shared builds, lib/libpython3.X.so.1.0. */
async function copyInterpreter(a: Assembly): Promise<void> {
  await mkdir(dirname(a.exe), { recursive: true });
  await mkdir(a.libDir, { recursive: true });
  await copyFile(await realpath(a.info.path), a.exe);
  await chmod(a.exe, 0o755);
  await symlink(basename(a.exe), join(a.root, 'bin', 'python3'));
  await symlink(basename(a.exe), join(a.root, 'bin', 'python'));
  if (!a.info.shared) return;
  const libpython = await findLibpython(a.info);
  if (!libpython) {
    throw new FlavorError(
      'PYTHON_NOT_FOUND',
      `cannot find libpython${minorOf(a.info.version)} of ${a.info.path} (a --enable-shared build)`,
      {
        path: a.info.path,
        hint: 'install the package that ships it (Debian/Ubuntu: libpython3.X; Fedora: python3-libs), or choose another interpreter (--python)',
      },
    );
  }
  const target = join(a.libDir, basename(libpython));
  await copyFile(await realpath(libpython), target);
  await chmod(target, 0o755);
  a.libFiles.push(target);
}

/** The copy filter shared by stdlib and platstdlib: what a packed app never needs. Returns the drops. */
function stdlibFilter(dropped: string[]): (rel: string, isDir: boolean) => boolean {
  return (rel, isDir) => {
    const top = rel.split('/')[0] ?? '';
    if (rel === top && PRUNED_STDLIB_TOP.has(top)) return false;
    if (isDir && (basename(rel) === '__pycache__' || PRUNED_STDLIB_NESTED.has(rel) || /^config-/.test(rel)))
      return false;
    if (!isDir && /\.(pyc|pyo|exe)$/.test(rel)) return false;
    if (!isDir && rel.startsWith('lib-dynload/') && DROPPED_MODULE_RE.test(basename(rel))) {
      dropped.push(basename(rel).split('.')[0] ?? rel);
      return false;
    }
    return true;
  };
}

/** 2. The standard library (and a separate platstdlib, e.g. Fedora's lib64), pruned and self-contained. */
async function copyStandardLibrary(a: Assembly): Promise<string[]> {
  const dropped: string[] = [];
  const { info } = a;
  const links = { outside: 'copy' as const };
  await copyTree(info.stdlib, join(a.root, relative(info.prefix, info.stdlib)), stdlibFilter(dropped), links);
  if (info.platstdlib !== info.stdlib && existsSync(info.platstdlib)) {
    const target = join(a.root, relative(info.prefix, info.platstdlib));
    await copyTree(info.platstdlib, target, stdlibFilter(dropped), links);
  }
  if (existsSync(a.dynloadDir)) {
    const names = (await readdir(a.dynloadDir)).filter((n) => n.endsWith('.so')).sort();
    a.modules.push(...names.map((n) => join(a.dynloadDir, n)));
  }
  return [...new Set(dropped)];
}

/** 3. Libraries beyond glibc that the executable, libpython and the modules need, copied into lib/. */
async function bundleHostLibraries(a: Assembly): Promise<string[]> {
  const ldd = findTool('ldd');
  if (!ldd) {
    a.log({
      kind: 'warning',
      message:
        'ldd not found: host libraries (libssl, libffi, …) are not bundled; the package needs them on the target',
    });
    return [];
  }
  const needed = new Map<string, string>();
  const missing: string[] = [];
  const result = await run(ldd.path, [a.info.path, ...a.libFiles, ...a.modules]);
  for (const [file, entries] of parseLdd(result.stdout)) {
    for (const entry of entries) {
      if (entry.name.startsWith('libpython') || SYSTEM_LIB_RE.test(entry.name)) continue;
      if (entry.path === undefined) missing.push(`${basename(file)} needs ${entry.name}`);
      else if (!needed.has(entry.name)) needed.set(entry.name, entry.path);
    }
  }
  for (const text of missing) {
    a.log({
      kind: 'warning',
      message: `runtime: ${text}, which is not installed here (that module will not import)`,
    });
  }
  const bundled: string[] = [];
  for (const [name, source] of [...needed.entries()].sort()) {
    const target = join(a.libDir, name);
    if (existsSync(target)) continue;
    await copyFile(await realpath(source), target);
    await chmod(target, 0o755);
    a.libFiles.push(target);
    bundled.push(name);
  }
  return bundled;
}

/** 4. Strip (optional), then rpaths: the executable $ORIGIN/../lib, libraries $ORIGIN, modules → lib/. */
async function stripAndPatch(a: Assembly, patchelf: FoundTool, strip: FoundTool | undefined): Promise<void> {
  if (strip) {
    await runChecked(strip.path, ['--strip-unneeded', a.exe, ...a.modules, ...a.libFiles], {
      step: 'stripping the runtime',
      onCommand: a.onCommand,
    });
  }
  const patch = async (file: string, rpath: string): Promise<void> => {
    await runChecked(patchelf.path, ['--force-rpath', '--set-rpath', rpath, file], {
      step: `patchelf ${basename(file)}`,
      onCommand: a.onCommand,
    });
  };
  await patch(a.exe, '$ORIGIN/../lib');
  for (const file of a.libFiles) if (await isElf(file)) await patch(file, '$ORIGIN');
  const fromDynload = relative(a.dynloadDir, a.libDir);
  for (const file of a.modules) await patch(file, `$ORIGIN/${fromDynload}`);
}

/** 5. Start the new tree from `/` with an empty environment; it must find itself and import the basics. */
async function smokeTest(a: Assembly): Promise<string[]> {
  const script = `import importlib, json, sys\nfailed = []\nfor m in ${JSON.stringify(SMOKE_MODULES)}:\n    try:\n        importlib.import_module(m)\n    except Exception as e:\n        failed.append("%s (%s)" % (m, e))\nprint(json.dumps({"prefix": sys.prefix, "failed": failed}))`;
  const smoke = await run(a.exe, ['-I', '-B', '-c', script], { env: {}, cwd: '/' });
  let parsed: { prefix: string; failed: string[] };
  try {
    parsed = JSON.parse(smoke.stdout.trim().split('\n').pop() ?? '') as typeof parsed;
  } catch {
    throw new FlavorError(
      'TOOL_FAILED',
      `the relocated Python runtime does not start:\n${smoke.output.trim()}`,
      {
        hint: 'try --no-strip, another interpreter (--python), or a python-build-standalone archive (--python-dist)',
      },
    );
  }
  if (parsed.prefix !== a.root) {
    throw new FlavorError(
      'TOOL_FAILED',
      `the relocated runtime reports sys.prefix ${parsed.prefix}, expected ${a.root}`,
    );
  }
  for (const failed of parsed.failed)
    a.log({ kind: 'warning', message: `runtime: module ${failed} does not import` });
  return parsed.failed;
}

/**
 * The packability rule of the tar writer, checked before the tree can reach the cache: every symlink is
 * relative and stays inside `root`.
 */
export async function checkSelfContained(root: string): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        const target = await readlink(path);
        const resolved = resolve(dirname(path), target);
        if (isAbsolute(target) || !(resolved === root || resolved.startsWith(`${root}${sep}`))) {
          throw new FlavorError(
            'TOOL_FAILED',
            `the Python runtime is not self-contained: ${relative(root, path)} links to ${target}`,
            { path, hint: 'report this interpreter layout; meanwhile try another interpreter (--python)' },
          );
        }
      }
    }
  };
  await lstat(root);
  await walk(root);
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
