// What of an interpreter's standard library reaches the runtime slot (docs/python.md, "Standard library").
//
//   always left out   distribution files (site-packages, EXTERNALLY-MANAGED, site hooks, config-*), Tk
//                     (needs X11 and a Tcl/Tk library tree) and NIS (needs libnsl + Kerberos)
//   pruned            what no packed app needs: test suites, IDLE, lib2to3, pydoc's topic data, ensurepip,
//                     the test extension modules; [tool.flavor.build] prune_stdlib = false keeps them
//
// Applied to any runtime tree (a host interpreter, a python-build-standalone archive, a portable build),
// as a copy filter over paths relative to the stdlib (or platstdlib) folder, "/"-separated.

import { basename } from 'node:path';

/** Top-level stdlib entries that never go into a package. */
const ALWAYS_TOP = new Set([
  'site-packages',
  'dist-packages',
  'tkinter',
  // Distribution files: the packed runtime is managed by nobody but the package (PEP 668 marker), and
  // the distribution's site hooks (Debian/Ubuntu: a link to /etc/python3.X/sitecustomize.py installing
  // apport) belong to the host, not to the app.
  'EXTERNALLY-MANAGED',
  'sitecustomize.py',
  'usercustomize.py',
]);
/** Extension modules that never go in: Tk (needs X11), NIS (deprecated, needs libnsl + Kerberos). */
const ALWAYS_MODULE_RE = /^(_tkinter|nis)[^/]*\.so$/;

/** The prune list (docs/python.md): top-level stdlib entries no packed app needs. */
export const PRUNED_STDLIB_TOP: readonly string[] = [
  'test',
  'idlelib',
  'turtledemo',
  'ensurepip',
  'lib2to3',
  'pydoc_data',
];
/** The prune list: test sub-packages inside the stdlib. */
export const PRUNED_STDLIB_NESTED: readonly string[] = [
  'ctypes/test',
  'sqlite3/test',
  'unittest/test',
  'distutils/tests',
  'lib2to3/tests',
  'tkinter/test',
  'idlelib/idle_test',
  'json/tests',
];
/** The prune list: CPython's test extension modules (lib-dynload). */
export const PRUNED_MODULE_RE = /^(_test|_ctypes_test|_xxtestfuzz|xxlimited|xxsubtype)[^/]*\.so$/;

export interface StdlibFilter {
  /** For copyTree: true keeps the entry. */
  keep: (rel: string, isDir: boolean) => boolean;
  /** Extension modules left out so far (names without suffix). */
  droppedModules: () => string[];
}

/**
 * The copy filter for a stdlib folder: no bytecode (it is compiled again, deterministically), no `.exe`,
 * no `__pycache__`, nothing always left out and, when `prune`, nothing on the prune list.
 */
export function stdlibFilter(options: { prune: boolean }): StdlibFilter {
  const dropped = new Set<string>();
  const top = new Set([...ALWAYS_TOP, ...(options.prune ? PRUNED_STDLIB_TOP : [])]);
  const nested = new Set(options.prune ? PRUNED_STDLIB_NESTED : []);
  const keep = (rel: string, isDir: boolean): boolean => {
    const first = rel.split('/')[0] ?? '';
    if (rel === first && top.has(first)) return false;
    if (isDir && (basename(rel) === '__pycache__' || nested.has(rel) || /^config-/.test(rel))) return false;
    if (!isDir && /\.(pyc|pyo|exe)$/.test(rel)) return false;
    if (!isDir && rel.startsWith('lib-dynload/')) {
      const name = basename(rel);
      if (ALWAYS_MODULE_RE.test(name) || (options.prune && PRUNED_MODULE_RE.test(name))) {
        dropped.add(name.split('.')[0] ?? name);
        return false;
      }
    }
    return true;
  };
  return { keep, droppedModules: () => [...dropped].sort() };
}
