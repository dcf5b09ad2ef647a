// The standard library as one archive on sys.path (docs/python.md, "Standard library"): every stdlib
// folder but lib-dynload and site-packages goes into lib/python3X.zip, which CPython's default sys.path
// already lists before lib/python3.X. zipimport reads modules from it, so a first run writes one file
// instead of ~1,000. What stays a real file:
//   lib-dynload/        extension modules (the dynamic loader needs files)
//   os.py               the prefix landmark: CPython 3.9/3.10 (C getpath) find sys.prefix by it
//   LICENSE.txt         license() reads it next to os.py
//   *.so                any shared object outside lib-dynload (never importable from an archive)
// Entries are `.pyc` only (unchecked-hash, compiled by the runtime's own interpreter, deterministic) —
// zipimport reads `mod.pyc`, never __pycache__ — plus `.py` beside them with include_stdlib_sources =
// true (tracebacks then show the stdlib's source lines), plus package data files. Entries are stored, not
// deflated: the slot is compressed as a whole, and stored entries compress better there (docs/python.md
// has the measurement) and import without inflating. A tree that already has its zip (the Windows
// embeddable CPython) is left as it is.

import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { FlavorError } from '../errors.js';
import { run } from './exec.js';
import type { Logger } from './types.js';

/** Files of the stdlib folder that stay on disk (they are also in the archive when they are modules). */
export const STDLIB_KEPT_FILES = ['os.py', 'LICENSE.txt'] as const;
/** Folders of the stdlib folder that stay on disk, untouched. */
export const STDLIB_KEPT_DIRS = ['lib-dynload', 'site-packages'] as const;

/** The archive CPython looks for: <prefix>/lib/python3X.zip ("3.12" → "python312.zip"). */
export function stdlibZipName(minor: string): string {
  return `python${minor.replace('.', '')}.zip`;
}

export interface StdlibZipOptions {
  /** The runtime's interpreter (it compiles: its magic number is the one the archive must carry). */
  python: string;
  /** The runtime root (sys.prefix). */
  root: string;
  /** The stdlib folder, e.g. <root>/lib/python3.12. */
  stdlibDir: string;
  /** The archive, e.g. <root>/lib/python312.zip: the folder is CPython's platlibdir (lib, Fedora lib64). */
  zipPath: string;
  /** The bytecode's optimisation level (zipimport reads one `.pyc` per module, whatever -O says). */
  optimizationLevel: 0 | 1 | 2;
  /** `.py` beside each `.pyc` in the archive (source lines in tracebacks). */
  includeSources: boolean;
  log: Logger;
  onCommand?: ((line: string) => void) | undefined;
}

export interface StdlibZipResult {
  /** The archive relative to the root, e.g. "lib/python312.zip". */
  zipRel: string;
  /** False when the tree already had its archive (left as it was). */
  created: boolean;
  entries: number;
  sizeBytes: number;
}

/**
 * Compiles the stdlib folder into the archive and removes from disk what went in (but the kept files).
 * The code objects carry "lib/python3X.zip/<module path>" as their file name: relative, no build path.
 */
export async function zipStandardLibrary(options: StdlibZipOptions): Promise<StdlibZipResult> {
  const { zipPath } = options;
  const zipRel = relative(options.root, zipPath);
  // Already zipped (a Windows embeddable CPython keeps it beside python.exe): left as it is.
  const existing = [zipPath, join(options.root, basename(zipPath))].find((p) => existsSync(p));
  if (existing) return { zipRel: relative(options.root, existing), created: false, entries: 0, sizeBytes: 0 };
  const args = {
    stdlib: options.stdlibDir,
    zip: zipPath,
    co_prefix: zipRel,
    level: options.optimizationLevel,
    sources: options.includeSources,
    kept_files: STDLIB_KEPT_FILES,
    kept_dirs: STDLIB_KEPT_DIRS,
  };
  const result = await run(options.python, ['-s', '-B', '-c', ZIP_SCRIPT, JSON.stringify(args)], {
    env: { SOURCE_DATE_EPOCH: '0', PYTHONHASHSEED: '0' },
    cwd: '/',
    onCommand: options.onCommand,
  });
  const report = parseReport(result.stdout);
  if (result.code !== 0 || !report) {
    throw new FlavorError(
      'TOOL_FAILED',
      `zipping the standard library failed:\n${result.output.trim().split('\n').slice(-10).join('\n')}`,
      { hint: 'set zip_stdlib = false in [tool.flavor.build] to ship it as files, and report this' },
    );
  }
  if (report.uncompiled.length > 0) {
    options.log({
      kind: 'warning',
      message: `stdlib files that did not compile are in ${zipRel} as source: ${report.uncompiled.join(', ')}`,
    });
  }
  return { zipRel, created: true, entries: report.entries, sizeBytes: report.size };
}

interface ZipReport {
  entries: number;
  size: number;
  uncompiled: string[];
}

function parseReport(stdout: string): ZipReport | undefined {
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ZipReport;
  } catch {
    return undefined;
  }
}

/**
 * Runs inside the runtime's interpreter: walk (sorted), compile, write the archive (fixed dates and
 * modes, directory entries for zipimport's namespace lookup), then remove what went in.
 */
const ZIP_SCRIPT = `
import importlib._bootstrap_external as be, importlib.util, json, os, shutil, sys, zipfile
a = json.loads(sys.argv[1])
root, kept_files, kept_dirs = a["stdlib"], set(a["kept_files"]), set(a["kept_dirs"])
entries, moved, caches, uncompiled = {}, [], [], []
def walk(rel):
    for name in sorted(os.listdir(os.path.join(root, rel) if rel else root)):
        r = rel + "/" + name if rel else name
        full = os.path.join(root, r)
        if os.path.isdir(full):
            if not rel and name in kept_dirs:
                continue
            if name == "__pycache__":
                caches.append(r)
                continue
            entries[r + "/"] = None
            walk(r)
            continue
        if name.endswith((".so", ".pyd", ".dylib")) or ".so." in name:
            continue
        moved.append(r)
        with open(full, "rb") as f:
            data = f.read()
        if not name.endswith(".py"):
            entries[r] = data
            continue
        try:
            code = compile(data, a["co_prefix"] + "/" + r, "exec", dont_inherit=True, optimize=a["level"])
        except (SyntaxError, ValueError):
            uncompiled.append(r)
            entries[r] = data
            continue
        entries[r[:-3] + ".pyc"] = bytes(be._code_to_hash_pyc(code, importlib.util.source_hash(data), False))
        if a["sources"]:
            entries[r] = data
walk("")
with zipfile.ZipFile(a["zip"], "w", zipfile.ZIP_STORED) as z:
    for name in sorted(entries):
        info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = ((0o40755 << 16) | 0x10) if name.endswith("/") else (0o100644 << 16)
        z.writestr(info, b"" if entries[name] is None else entries[name])
for r in moved:
    if "/" in r or r not in kept_files:
        os.remove(os.path.join(root, r))
for r in caches:
    shutil.rmtree(os.path.join(root, r))
for d in sorted((n[:-1] for n in entries if n.endswith("/")), key=len, reverse=True):
    p = os.path.join(root, d)
    if os.path.isdir(p) and not os.listdir(p):
        os.rmdir(p)
print(json.dumps({"entries": len(entries), "size": os.path.getsize(a["zip"]), "uncompiled": uncompiled}))
`;
