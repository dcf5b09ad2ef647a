// Assembling a relocatable runtime tree from an installed CPython, in six steps:
//   1. the executable (+ libpython for --enable-shared builds)
//   2. the standard library, pruned (stdlib-prune.ts), made self-contained (distro files dropped, outside
//      links copied)
//   3. the host libraries the runtime needs beyond glibc (resolved by ldd against the original tree)
//   4. strip, then relative search paths (patchelf)
//   5. the standard library precompiled (deterministic .pyc): into lib/python3X.zip (stdlib-zip.ts), or
//      as loose files with zip_stdlib = false
//   6. a smoke test from the new location, with an empty environment
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
import { stdlibFilter } from './stdlib-prune.js';
import { stdlibZipName, zipStandardLibrary } from './stdlib-zip.js';
import { type FoundTool, findTool, requireTool } from './tools.js';
import type { Logger } from './types.js';

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
  /** The stdlib archive ("lib/python312.zip"); undefined with zip_stdlib = false. */
  stdlibZipRel?: string;
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
  /** How the standard library is laid out (default: zipped, pruned, no sources). */
  layout?: Partial<RuntimeLayout>;
  /** Copy <prefix>/share/licenses (the portable runtime's licences, docs/runtime.md) into the tree. */
  keepLicenses?: boolean;
  log: Logger;
  verbose?: boolean;
}

/** [tool.flavor.build] zip_stdlib, prune_stdlib, include_stdlib_sources (docs/python.md). */
export interface RuntimeLayout {
  zipStdlib: boolean;
  pruneStdlib: boolean;
  stdlibSources: boolean;
}

export const DEFAULT_RUNTIME_LAYOUT: RuntimeLayout = {
  zipStdlib: true,
  pruneStdlib: true,
  stdlibSources: false,
};

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
  layout: RuntimeLayout;
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
    layout: { ...DEFAULT_RUNTIME_LAYOUT, ...options.layout },
    log,
    onCommand: options.verbose ? (line: string) => log({ kind: 'command', message: line }) : undefined,
  };
  await copyInterpreter(a);
  const droppedModules = await copyStandardLibrary(a);
  if (options.keepLicenses) await copyLicenses(a);
  const bundledLibs = await bundleHostLibraries(a);
  await stripAndPatch(a, patchelf, strip);
  const stdlibRel = relative(info.prefix, info.stdlib);
  const stdlibZipRel = await compileStandardLibrary(a, stdlibRel, options.optimizationLevel ?? 0);
  const failedImports = await smokeTest(a);
  await normalizeModes(root);
  await checkSelfContained(root);
  return {
    version: info.version,
    minor,
    pythonRel: `bin/python${minor}`,
    stdlibRel,
    sitePackagesRel: relative(info.prefix, info.sitePackages),
    ...(stdlibZipRel === undefined ? {} : { stdlibZipRel }),
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

/** 2. The standard library (and a separate platstdlib, e.g. Fedora's lib64), pruned and self-contained. */
async function copyStandardLibrary(a: Assembly): Promise<string[]> {
  const { info } = a;
  const filter = stdlibFilter({ prune: a.layout.pruneStdlib });
  const links = { outside: 'copy' as const };
  await copyTree(info.stdlib, join(a.root, relative(info.prefix, info.stdlib)), filter.keep, links);
  if (info.platstdlib !== info.stdlib && existsSync(info.platstdlib)) {
    const target = join(a.root, relative(info.prefix, info.platstdlib));
    await copyTree(info.platstdlib, target, filter.keep, links);
  }
  // An interpreter whose standard library is already an archive (one of our own runtimes, an embeddable
  // build): the archive is the standard library, copied as it is (stdlib-zip.ts then leaves it alone).
  const zipRel = join(relative(info.prefix, dirname(info.platstdlib)), stdlibZipName(minorOf(info.version)));
  if (existsSync(join(info.prefix, zipRel))) await copyFile(join(info.prefix, zipRel), join(a.root, zipRel));
  if (existsSync(a.dynloadDir)) {
    const names = (await readdir(a.dynloadDir)).filter((n) => n.endsWith('.so')).sort();
    a.modules.push(...names.map((n) => join(a.dynloadDir, n)));
  }
  return filter.droppedModules();
}

/** 2b. The portable runtime's share/licenses/<component>/, as they are. */
async function copyLicenses(a: Assembly): Promise<void> {
  const from = join(a.info.prefix, 'share', 'licenses');
  if (!existsSync(from)) return; // runtime-licenses.ts has refused such a runtime already
  await copyTree(from, join(a.root, 'share', 'licenses'));
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

/**
 * 5. The stdlib's bytecode: into the archive (one .pyc per module, at the project's level), or with
 * zip_stdlib = false as loose __pycache__ files at level 0 and the project's level. Returns the archive.
 */
async function compileStandardLibrary(
  a: Assembly,
  stdlibRel: string,
  level: 0 | 1 | 2,
): Promise<string | undefined> {
  const onCommand = a.onCommand ? { onCommand: a.onCommand } : {};
  if (!a.layout.zipStdlib) {
    await compileTree(a.exe, join(a.root, stdlibRel), stdlibRel, a.log, {
      optimizationLevel: level,
      alsoLevel0: true,
      ...onCommand,
    });
    return undefined;
  }
  const zipped = await zipStandardLibrary({
    python: a.exe,
    root: a.root,
    stdlibDir: join(a.root, stdlibRel),
    zipPath: join(
      a.root,
      relative(a.info.prefix, dirname(a.info.platstdlib)),
      stdlibZipName(minorOf(a.info.version)),
    ),
    optimizationLevel: level,
    includeSources: a.layout.stdlibSources,
    log: a.log,
    ...onCommand,
  });
  return zipped.zipRel;
}

/** 6. Start the new tree from `/` with an empty environment; it must find itself and import the basics. */
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
