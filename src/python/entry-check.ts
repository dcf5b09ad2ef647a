// Before anything is signed, every entry point is imported in the built runtime, the way the packed app
// will run it: a "module:function" must import and name a callable, a bare "module" must be findable
// (it is run as __main__, so it is located, not executed). A typo in [project.scripts] or
// tool.flavor.entry_point then fails the pack (ENTRY_POINT_INVALID) instead of the end user's first run.
//
// The check runs `python -I -B` (no host PYTHON* variables, no .pyc written into the slot folders) in an
// empty folder, with the site-packages slot added like the runtime does (site.addsitedir, so .pth files
// work) and the app slot after it.

import { mkdir } from 'node:fs/promises';
import { FlavorError } from '../errors.js';
import { run } from './exec.js';

export interface EntryPoint {
  /** Where it was declared, e.g. "[project.scripts].my-app" or "tool.flavor.entry_point". */
  source: string;
  /** "module:function" or "module". */
  target: string;
}

export interface EntryCheckOptions {
  python: string;
  sitePackagesDir: string;
  appDir: string;
  /** An empty scratch folder: the imports run there. */
  scratchDir: string;
  entryPoints: EntryPoint[];
  /** The imports are killed after this long (default 120 s). */
  timeoutMs?: number;
  onCommand?: (line: string) => void;
}

const CHECK_SCRIPT = `
import importlib, importlib.util, json, site, sys, traceback
site_dir, app_dir, targets = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
site.addsitedir(site_dir)
sys.path.append(app_dir)
results = []
for target in targets:
    module, _, attr = target.partition(":")
    try:
        if not attr:
            if importlib.util.find_spec(module) is None:
                raise ModuleNotFoundError("No module named %r" % module)
        else:
            obj = importlib.import_module(module)
            for part in attr.split("."):
                if not hasattr(obj, part):
                    raise AttributeError("%s has no attribute %r" % (getattr(obj, "__name__", module), part))
                obj = getattr(obj, part)
            if not callable(obj):
                raise TypeError("%s is not callable (it is %s)" % (target, type(obj).__name__))
        results.append({"target": target, "ok": True})
    except BaseException as error:
        lines = traceback.format_exception_only(type(error), error)
        results.append({"target": target, "ok": False, "error": "".join(lines).strip(),
                        "traceback": "".join(traceback.format_exc()).strip()})
sys.stdout.write("\\n@@FLAVOR-ENTRY-CHECK@@" + json.dumps(results) + "\\n")
`;

interface CheckResult {
  target: string;
  ok: boolean;
  error?: string;
  traceback?: string;
}

/** Imports every entry point in the built runtime; throws ENTRY_POINT_INVALID naming each that fails. */
export async function checkEntryPoints(options: EntryCheckOptions): Promise<void> {
  const targets = [...new Set(options.entryPoints.map((e) => e.target))];
  if (targets.length === 0) return;
  await mkdir(options.scratchDir, { recursive: true });
  const result = await run(
    options.python,
    ['-I', '-B', '-c', CHECK_SCRIPT, options.sitePackagesDir, options.appDir, JSON.stringify(targets)],
    {
      cwd: options.scratchDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.scratchDir, LANG: 'C.UTF-8' },
      timeoutMs: options.timeoutMs ?? 120_000,
      onCommand: options.onCommand,
    },
  );
  const marker = result.stdout.lastIndexOf('@@FLAVOR-ENTRY-CHECK@@');
  if (marker < 0) {
    throw new FlavorError(
      'ENTRY_POINT_INVALID',
      `importing the entry points in the built runtime did not finish (exit code ${result.code}):\n${result.output.trim().split('\n').slice(-20).join('\n')}`,
      {
        hint: 'an entry-point module exits, hangs or crashes when imported; run its import yourself to see why',
      },
    );
  }
  const results = JSON.parse(result.stdout.slice(marker + '@@FLAVOR-ENTRY-CHECK@@'.length)) as CheckResult[];
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  const lines = failed.map((f) => {
    const sources = options.entryPoints
      .filter((e) => e.target === f.target)
      .map((e) => e.source)
      .join(', ');
    return `  ${f.target} (${sources}): ${f.error ?? 'failed'}`;
  });
  const only = failed.length === 1 ? failed[0] : undefined;
  const importFailed =
    only?.traceback !== undefined && !/^(ModuleNotFoundError|AttributeError)/.test(only.error ?? '');
  throw new FlavorError(
    'ENTRY_POINT_INVALID',
    `${failed.length === 1 ? 'an entry point does' : `${failed.length} entry points do`} not import in the built runtime:\n${lines.join('\n')}${importFailed ? `\n${only?.traceback}` : ''}`,
    {
      hint: 'fix the "module:function" in pyproject.toml ([project.scripts] or tool.flavor.entry_point), or add the missing module to the project',
      details: { failed },
    },
  );
}
