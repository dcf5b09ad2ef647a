// Commands of a Python package: how `[project.scripts]` / `entry_point` become launcher command lines,
// and the tiny runner module shipped in site-packages that calls the entry point.
//
// Command form:  "{workenv}/bin/python3.X" -I -B -m _flavor_run <name> <module:function>
//   (quoted: the launcher substitutes {workenv} before splitting, and the cache path may contain spaces)
//   -I  isolated mode: ignores PYTHON* variables and the user site-packages, and never puts the current
//       folder on sys.path, so the host environment cannot change what runs;
//   -B  never writes .pyc into the workenv (everything is precompiled at build time);
//   _flavor_run sets sys.argv[0] (FLAVOR_COMMAND_NAME, else <name>), imports the module, calls the
//   function and exits with its return value — exactly what a console-script wrapper does.
// The launcher appends the user's arguments.

import { FlavorError } from '../errors.js';
import { normalizeName, type ProjectConfig } from './manifest.js';

export const RUNNER_MODULE = '_flavor_run';

export const RUNNER_SOURCE = `"""FlavorPack command runner.

Usage: python -I -m _flavor_run NAME MODULE[:FUNCTION] [ARGS...]

Calls MODULE:FUNCTION the way a console-script wrapper does (sys.exit(FUNCTION())), or runs MODULE as
__main__ when no function is given. sys.argv[0] is the name the package was invoked as
(FLAVOR_COMMAND_NAME, set by the launcher), else NAME.
"""

import os
import sys


def _main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: python -m _flavor_run NAME MODULE[:FUNCTION] [ARGS...]\\n")
        return 2
    name, target = sys.argv[1], sys.argv[2]
    invoked = os.path.basename(os.environ.get("FLAVOR_COMMAND_NAME", ""))
    sys.argv = [invoked or name] + sys.argv[3:]
    module, _, attr = target.partition(":")
    if not attr:
        import runpy

        if hasattr(runpy, "_run_module_as_main"):
            runpy._run_module_as_main(module, alter_argv=False)
        else:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    import importlib

    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj()


if __name__ == "__main__":
    sys.exit(_main())
`;

/** The launcher command line for one entry point. */
export function commandLine(pythonRel: string, name: string, target: string, optimizationLevel = 0): string {
  const opt = ['', ' -O', ' -OO'][optimizationLevel] ?? '';
  return `"{workenv}/${pythonRel}" -I -B${opt} -m ${RUNNER_MODULE} ${name} ${target}`;
}

export interface CommandPlan {
  /** The default command line. */
  command: string;
  /** Name → command line, one per [project.scripts] entry. */
  commands: Record<string, string>;
  /** Which entry point the default runs, and why. */
  defaultName: string;
  defaultTarget: string;
  reason: string;
}

/** Every entry point of the project with where it was declared (for the import check). */
export function entryPointsOf(
  project: Pick<ProjectConfig, 'scripts' | 'entryPoint'>,
): Array<{ source: string; target: string }> {
  return [
    ...(project.entryPoint === undefined
      ? []
      : [{ source: 'tool.flavor.entry_point', target: project.entryPoint }]),
    ...project.scripts.map((s) => ({ source: `[project.scripts].${s.name}`, target: s.target })),
  ];
}

/**
 * Default command: tool.flavor.entry_point if set, else the script named like the project, else the first
 * script. Every script is also a named command.
 */
export function planCommands(
  project: Pick<ProjectConfig, 'name' | 'packageName' | 'scripts' | 'entryPoint'>,
  pythonRel: string,
  optimizationLevel = 0,
): CommandPlan {
  const commands: Record<string, string> = {};
  for (const script of project.scripts)
    commands[script.name] = commandLine(pythonRel, script.name, script.target, optimizationLevel);
  let defaultName: string;
  let defaultTarget: string;
  let reason: string;
  const named = project.scripts.find((s) => normalizeName(s.name) === normalizeName(project.name));
  const first = project.scripts[0];
  if (project.entryPoint !== undefined) {
    const same = project.scripts.find((s) => s.target === project.entryPoint);
    defaultName = same?.name ?? project.packageName;
    defaultTarget = project.entryPoint;
    reason = 'tool.flavor.entry_point';
  } else if (named) {
    defaultName = named.name;
    defaultTarget = named.target;
    reason = `the script named like the project ([project.scripts].${named.name})`;
  } else if (first) {
    defaultName = first.name;
    defaultTarget = first.target;
    reason = `the first script ([project.scripts].${first.name})`;
  } else {
    throw new FlavorError(
      'PROJECT_INVALID',
      'nothing to run: the project has no [project.scripts] and no tool.flavor.entry_point',
    );
  }
  return {
    command: commandLine(pythonRel, defaultName, defaultTarget, optimizationLevel),
    commands,
    defaultName,
    defaultTarget,
    reason,
  };
}
