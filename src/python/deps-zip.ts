// Zip-safe dependencies as one archive on sys.path (docs/python.md, "Dependencies archive"): the
// top-level packages and modules of site-packages that are zip-safe go into `_flavor_deps.zip`, which the
// one-line `_flavor_deps.pth` puts on sys.path (after site-packages itself). A first run then writes one
// file instead of thousands. A top-level package or module is zip-safe when
//   * it has no native file (.so, .pyd, .dylib, .dll): the dynamic loader needs real files;
//   * none of its .py reads its own `__file__` (the name, outside an `if __name__ == "__main__":` block;
//     `other_module.__file__` and strings do not count): code that finds its data by path breaks in an
//     archive;
//   * it does not hand out paths to its data files with importlib.resources.as_file() (a data file:
//     anything but .py, .pyc, .pyi and py.typed; the call: the name `as_file` in one of its .py): from an
//     archive, as_file() copies the file into a new temporary folder on every start (certifi.where(),
//     which requests calls at import), left behind when the app is killed. Reading data through
//     importlib.resources stays zip-safe (docs/python.md, "What the archives cost on a warm start");
//   * its distribution is not named in [tool.flavor.build] unzipped_dependencies.
// Everything else stays as files, and so do the .dist-info folders (importlib.metadata reads them), .pth
// files, scripts and the FlavorPack glue. Bytecode follows the project's settings: `.pyc` compiled by the
// runtime's interpreter at optimization_level (unchecked-hash), `.py` beside it unless include_sources =
// false, only `.py` with compile_bytecode = false. Entries are stored; dates and modes are fixed.

import { join } from 'node:path';
import { FlavorError } from '../errors.js';
import { run } from './exec.js';
import type { Logger } from './types.js';

export const DEPS_ZIP = '_flavor_deps.zip';
export const DEPS_PTH = '_flavor_deps.pth';

export interface DepsZipOptions {
  /** The runtime's interpreter. */
  python: string;
  /** The site-packages slot source. */
  siteDir: string;
  /** The site folder relative to the runtime root (the code objects' file names start with it). */
  siteRel: string;
  optimizationLevel: 0 | 1 | 2;
  /** compile_bytecode: .pyc in the archive. */
  compile: boolean;
  /** include_sources: .py in the archive (always when not compiled). */
  includeSources: boolean;
  /** Distribution names whose packages stay files (unzipped_dependencies). */
  unzipped: string[];
  log: Logger;
  onCommand?: ((line: string) => void) | undefined;
}

export interface DepsZipResult {
  /** Top-level names in the archive. */
  zipped: string[];
  /** Top-level names left as files, with the reason. */
  kept: Record<string, string>;
}

/** Moves the zip-safe top-level packages of `siteDir` into the archive (none: no archive, no .pth). */
export async function zipDependencies(options: DepsZipOptions): Promise<DepsZipResult> {
  const args = {
    site: options.siteDir,
    zip: join(options.siteDir, DEPS_ZIP),
    pth: join(options.siteDir, DEPS_PTH),
    co_prefix: `${options.siteRel}/${DEPS_ZIP}`,
    level: options.optimizationLevel,
    compile: options.compile,
    sources: options.includeSources || !options.compile,
    unzipped: options.unzipped,
  };
  const result = await run(options.python, ['-s', '-B', '-c', SCRIPT, JSON.stringify(args)], {
    env: { SOURCE_DATE_EPOCH: '0', PYTHONHASHSEED: '0' },
    cwd: '/',
    onCommand: options.onCommand,
  });
  let report: DepsZipResult | undefined;
  try {
    report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as DepsZipResult;
  } catch {
    report = undefined;
  }
  if (result.code !== 0 || !report) {
    throw new FlavorError(
      'TOOL_FAILED',
      `zipping the dependencies failed:\n${result.output.trim().split('\n').slice(-10).join('\n')}`,
      { hint: 'set zip_dependencies = false in [tool.flavor.build] to ship them as files, and report this' },
    );
  }
  return report;
}

const SCRIPT = String.raw`
import ast, importlib._bootstrap_external as be, importlib.util, json, os, re, shutil, sys, zipfile
a = json.loads(sys.argv[1])
site = a["site"]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
unzipped = {norm(n) for n in a["unzipped"]}
owner = {}
for d in sorted(os.listdir(site)):
    if not d.endswith(".dist-info"):
        continue
    dist = norm(d[: -len(".dist-info")].rsplit("-", 1)[0])
    try:
        with open(os.path.join(site, d, "RECORD"), encoding="utf-8") as f:
            for line in f:
                top = line.split(",", 1)[0].split("/", 1)[0]
                if top.endswith(".py") or "/" in line.split(",", 1)[0]:
                    owner.setdefault(top, dist)
    except OSError:
        pass
NATIVE = (".so", ".pyd", ".dylib", ".dll")
CODE = (".py", ".pyc", ".pyi")
COPIES_DATA = re.compile(rb"\bas_file\b")
def is_main_guard(node):
    t = node.test
    return (isinstance(node, ast.If) and isinstance(t, ast.Compare) and isinstance(t.left, ast.Name)
            and t.left.id == "__name__" and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in t.comparators))
def uses_own_file(data):
    if b"__file__" not in data:
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return True
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and node.id == "__file__":
            return True
        for child in ast.iter_child_nodes(node):
            if not (isinstance(child, ast.If) and is_main_guard(child)):
                todo.append(child)
    return False
def files_of(top):
    full = os.path.join(site, top)
    if os.path.isfile(full):
        return [top]
    out = []
    for d, dirs, files in os.walk(full):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        for f in sorted(files):
            out.append(os.path.relpath(os.path.join(d, f), site).replace(os.sep, "/"))
    return out
def unsafe(top, files):
    if owner.get(top) in unzipped:
        return "unzipped_dependencies"
    has_data = any(not r.endswith(CODE) and r.rsplit("/", 1)[-1] != "py.typed" for r in files)
    copier = None
    for r in files:
        if r.endswith(NATIVE) or ".so." in r:
            return "native code (" + r + ")"
        if r.endswith(".py"):
            with open(os.path.join(site, r), "rb") as f:
                data = f.read()
            if uses_own_file(data):
                return "uses __file__ (" + r + ")"
            if has_data and copier is None and COPIES_DATA.search(data):
                copier = r
    if copier:
        return "hands out its data files with importlib.resources.as_file (" + copier + ")"
    return None
zipped, kept, entries, uncompiled = [], {}, {}, []
for top in sorted(os.listdir(site)):
    full = os.path.join(site, top)
    if top.startswith(("_flavor", "flavor_runtime")) or top.endswith((".dist-info", ".data", ".pth")) or top == "__pycache__":
        continue
    if os.path.islink(full) or not (os.path.isdir(full) or top.endswith(".py")):
        continue
    files = files_of(top)
    reason = unsafe(top, files)
    if reason:
        kept[top] = reason
        continue
    zipped.append(top)
    for r in files:
        parts = r.split("/")
        for i in range(1, len(parts)):
            entries["/".join(parts[:i]) + "/"] = None
        with open(os.path.join(site, r), "rb") as f:
            data = f.read()
        if r.endswith(".py") and a["compile"]:
            try:
                code = compile(data, a["co_prefix"] + "/" + r, "exec", dont_inherit=True, optimize=a["level"])
                entries[r[:-3] + ".pyc"] = bytes(be._code_to_hash_pyc(code, importlib.util.source_hash(data), False))
            except (SyntaxError, ValueError):
                entries[r] = data
                continue
            if a["sources"]:
                entries[r] = data
        elif not r.endswith(".pyc"):
            entries[r] = data
if zipped:
    with zipfile.ZipFile(a["zip"], "w", zipfile.ZIP_STORED) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = ((0o40755 << 16) | 0x10) if name.endswith("/") else (0o100644 << 16)
            z.writestr(info, b"" if entries[name] is None else entries[name])
    with open(a["pth"], "w") as f:
        f.write(os.path.basename(a["zip"]) + "\n")
    for top in zipped:
        full = os.path.join(site, top)
        shutil.rmtree(full) if os.path.isdir(full) else os.remove(full)
        cache = os.path.join(site, "__pycache__")
        if top.endswith(".py") and os.path.isdir(cache):
            for c in os.listdir(cache):
                if c.split(".")[0] == top[:-3]:
                    os.remove(os.path.join(cache, c))
print(json.dumps({"zipped": zipped, "kept": kept}))
`;
